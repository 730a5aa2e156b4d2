// Exactness claims (claim_evaluators.hpp): `exactness`, equivalences that hold up to rounding
// (same_trace: two runs' traces agree; divergence_identity: the parts of the divergence and
// consensus splits add up to their totals; spectral: ρ against an expected value).

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "claim_evaluators.hpp"
#include "dsgdlab/analysis/verdicts/verdicts.hpp"

namespace dsgdlab::claims {
namespace {

/// Rows of a split where the total is rounding noise (Ξ just after a global average is ~1e-32
/// while its parts are computed along different paths) would make a relative residual
/// meaningless: the denominator is max(|total|, kNoiseFloor · largest |total| of the trace).
constexpr double kNoiseFloor = 1e-8;

/// Largest |a − b| over the columns and rows of two traces (0 for two NaNs, +∞ for a NaN
/// against a number or different row counts).
double trace_difference(const ClaimContext& context, const SuiteResultsRun& a,
                        const SuiteResultsRun& b, const std::vector<std::string>& columns,
                        const std::string& key) {
  const NumericCsv first = read_numeric_csv(a.directory / "trace.csv");
  const NumericCsv second = read_numeric_csv(b.directory / "trace.csv");
  if (first.rows != second.rows) return kInfinity;
  double residual = 0.0;
  for (const std::string& column : columns) {
    if (!first.has(column) || !second.has(column)) {
      throw context.error(key, "column \"" + column + "\" is not in both runs/" + a.id +
                                   "/trace.csv and runs/" + b.id + "/trace.csv");
    }
    const auto& x = first.column(column);
    const auto& y = second.column(column);
    for (std::size_t row = 0; row < x.size(); ++row) {
      if (std::isnan(x[row]) && std::isnan(y[row])) continue;
      if (x[row] == y[row]) continue;  // equal infinities too
      const double difference = std::abs(x[row] - y[row]);
      residual = std::max(residual, std::isnan(difference) ? kInfinity : difference);
    }
  }
  return residual;
}

/// Largest relative |Σ parts − total| over the rows of a trace; -1 when the trace has no split.
double split_residual(const NumericCsv& trace, const std::string& total,
                      const std::vector<std::string>& parts) {
  const auto& totals = trace.column(total);
  double scale = 0.0;
  for (double value : totals) {
    if (std::isfinite(value)) scale = std::max(scale, std::abs(value));
  }
  double residual = 0.0;
  for (std::size_t row = 0; row < trace.rows; ++row) {
    double sum = 0.0;
    for (const std::string& part : parts) sum += trace.column(part)[row];
    if (!std::isfinite(totals[row]) && !std::isfinite(sum)) continue;
    const double denominator = std::max(std::abs(totals[row]), kNoiseFloor * scale);
    const double difference = std::abs(sum - totals[row]);
    if (difference == 0.0) continue;
    residual = std::max(residual, denominator > 0.0 ? difference / denominator : kInfinity);
  }
  return residual;
}

/// The parts of a split in a trace: the two-level columns or level_<ℓ>_<suffix>.
std::vector<std::string> split_parts(const NumericCsv& trace, const std::string& suffix) {
  if (trace.has("intra_group_" + suffix) && trace.has("inter_group_" + suffix)) {
    return {"intra_group_" + suffix, "inter_group_" + suffix};
  }
  std::vector<std::string> parts;
  for (int level = 1; trace.has("level_" + std::to_string(level) + "_" + suffix); ++level) {
    parts.push_back("level_" + std::to_string(level) + "_" + suffix);
  }
  return parts;
}

}  // namespace

Verdict evaluate_exactness(const ClaimContext& context) {
  context.check_keys({"checks", "tolerance"});
  // A claim-level tolerance is the default of every check that sets none.
  const std::optional<double> claim_tolerance =
      context.has("tolerance") ? std::optional<double>(context.number("tolerance")) : std::nullopt;
  if (!context.has("checks") || !context.params()["checks"].is_array() ||
      context.params()["checks"].empty()) {
    throw context.error("checks", "must be a non-empty array of tables {kind = ...}");
  }
  std::vector<ExactCheck> checks;
  const json& list = context.params()["checks"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& check = list[i];
    const std::string key = "checks[" + std::to_string(i) + "]";
    if (!check.is_object()) throw context.error(key, "must be a table, not " + check.dump());
    const std::string kind = context.text_in(check, "kind", key + ".kind");
    const std::string name =
        context.text_in(check, "name", key + ".name", kind + "_" + std::to_string(i + 1));
    const auto known = [&](std::initializer_list<const char*> keys) {
      for (const auto& [entry, value] : check.items()) {
        if (entry == "kind" || entry == "name") continue;
        if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return entry == k; })) {
          throw context.error(key + "." + entry, "is not a key of a " + kind + " check");
        }
      }
    };
    const auto tolerance = [&](double fallback) {
      if (!check.contains("tolerance")) return claim_tolerance.value_or(fallback);
      if (!check["tolerance"].is_number()) {
        throw context.error(key + ".tolerance", "must be a number");
      }
      return check["tolerance"].get<double>();
    };
    if (kind == "same_trace") {
      known({"a", "b", "columns", "tolerance"});
      const PointGroup a =
          context.select_one(context.where_in(check, "a", key + ".a", true), key + ".a");
      const PointGroup b =
          context.select_one(context.where_in(check, "b", key + ".b", true), key + ".b");
      if (!check.contains("columns") || !check["columns"].is_array() || check["columns"].empty()) {
        throw context.error(key + ".columns", "must be a non-empty array of trace.csv columns");
      }
      std::vector<std::string> columns;
      for (const json& column : check["columns"]) {
        if (!column.is_string()) throw context.error(key + ".columns", "must hold strings");
        columns.push_back(column.get<std::string>());
      }
      double residual = 0.0;
      for (int replicate : common_replicates(context, {a, b})) {
        residual = std::max(
            residual, trace_difference(context, replicate_of(a, replicate),
                                       replicate_of(b, replicate), columns, key + ".columns"));
      }
      checks.push_back({name, residual, tolerance(0.0)});
    } else if (kind == "divergence_identity") {
      known({"where", "tolerance"});
      const json where = context.where_in(check, "where", key + ".where", true);
      double divergence = 0.0;
      double consensus = 0.0;
      for (const PointGroup& group : context.select(where, key + ".where")) {
        for (const SuiteResultsRun* run : group.replicates) {
          const NumericCsv trace = read_numeric_csv(run->directory / "trace.csv");
          const auto divergence_parts = split_parts(trace, "divergence");
          const auto consensus_parts = split_parts(trace, "consensus");
          if (divergence_parts.empty() || consensus_parts.empty()) {
            throw context.error(key + ".where",
                                "selects runs/" + run->id +
                                    ", whose trace.csv has no divergence split (hsgd runs only)");
          }
          divergence =
              std::max(divergence, split_residual(trace, "heterogeneity", divergence_parts));
          consensus = std::max(consensus, split_residual(trace, "consensus", consensus_parts));
        }
      }
      const double limit = tolerance(1e-12);
      checks.push_back({name + "_divergence", divergence, limit});
      checks.push_back({name + "_consensus", consensus, limit});
    } else if (kind == "spectral") {
      known({"where", "expected_rho", "tolerance"});
      const json where = context.where_in(check, "where", key + ".where", true);
      if (!check.contains("expected_rho") || !check["expected_rho"].is_number()) {
        throw context.error(key + ".expected_rho", "is required (a number)");
      }
      const double expected = check["expected_rho"].get<double>();
      double residual = 0.0;
      for (const PointGroup& group : context.select(where, key + ".where")) {
        for (const SuiteResultsRun* run : group.replicates) {
          const json& spectral = run->summary.value("spectral", json());
          if (!spectral.is_array() || spectral.empty() || !spectral[0].contains("rho")) {
            throw context.error(key + ".where", "selects runs/" + run->id +
                                                    ", whose summary.json has no spectral "
                                                    "entry (dpsgd and adpsgd runs only)");
          }
          const double rho = json_number(spectral[0]["rho"]);
          const double difference = std::abs(rho - expected);
          residual = std::max(residual, std::isnan(difference) ? kInfinity : difference);
        }
      }
      checks.push_back({name, residual, tolerance(1e-6)});
    } else {
      throw context.error(key + ".kind", "(\"" + kind +
                                             "\") must be same_trace, divergence_identity or "
                                             "spectral");
    }
  }
  return exactness_verdict(context.claim_text("exact equivalences hold"), checks);
}

}  // namespace dsgdlab::claims
