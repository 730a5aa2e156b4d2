// Bound claims (claim_evaluators.hpp): `bound_holds`, R(K) below a bound of the run's
// summary.json at every checkpoint, and `sandwich`, local SGD(P_1) <= H-SGD <= local SGD(P_M)
// measured and by the bounds.

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "claim_evaluators.hpp"
#include "dsgdlab/analysis/verdicts/verdicts.hpp"

namespace dsgdlab::claims {
namespace {

/// The entry of summary.json bounds.list called `name`.
const json& find_bound(const ClaimContext& context, const SuiteResultsRun& run,
                       const std::string& name, const char* key) {
  const json& summary = run.summary;
  if (summary.contains("bounds") && summary["bounds"].is_object() &&
      summary["bounds"].contains("list") && summary["bounds"]["list"].is_array()) {
    std::string names;
    for (const json& bound : summary["bounds"]["list"]) {
      const std::string bound_name = bound.value("name", "");
      if (bound_name == name) return bound;
      names += (names.empty() ? "" : ", ") + bound_name;
    }
    throw context.error(key, "(\"" + name + "\") is not a bound of runs/" + run.id +
                                 "/summary.json (bounds.list: " +
                                 (names.empty() ? std::string("none") : names) + ")");
  }
  throw context.error(key,
                      "(\"" + name + "\"): runs/" + run.id + "/summary.json has no bounds.list");
}

std::string failing_conditions(const json& bound) {
  std::string text;
  if (!bound.contains("conditions") || !bound["conditions"].is_array()) return text;
  for (const json& condition : bound["conditions"]) {
    if (condition.value("holds", true)) continue;
    if (!text.empty()) text += "; ";
    text += condition.value("rule", "?") + ": " +
            fmt(condition.contains("value") ? json_number(condition["value"]) : kNaN) + " vs " +
            fmt(condition.contains("threshold") ? json_number(condition["threshold"]) : kNaN);
  }
  return text;
}

/// The value of a bound of the run's summary (bounds.list entry `name`).
double bound_value(const ClaimContext& context, const SuiteResultsRun& run, const std::string& name,
                   const char* key) {
  const json& bound = find_bound(context, run, name, key);
  return bound.contains("value") ? json_number(bound["value"]) : kNaN;
}

}  // namespace

Verdict evaluate_bound_holds(const ClaimContext& context) {
  context.check_keys({"where", "bound", "require_conditions"});
  const json where = context.where_in(context.params(), "where", "where", true);
  const std::string bound_name = context.text("bound");
  const bool require_conditions = context.boolean("require_conditions", true);
  const PointGroup group = context.select_one(where, "where");
  const std::string claim = context.claim_text("R(K) below " + bound_name + " at every checkpoint");
  // Per replicate: checkpoint K → (R(K), bound). Replicates are compared at the checkpoints
  // they all have (the same ones with iteration probes; time-based probes may differ).
  std::vector<std::map<double, std::pair<double, double>>> per_replicate;
  for (const SuiteResultsRun* run : group.replicates) {
    const json& bound = find_bound(context, *run, bound_name, "bound");
    if (require_conditions && !bound.value("conditions_hold", false)) {
      return failed("bound_holds", claim,
                    "conditions fail: " + failing_conditions(bound) + " (runs/" + run->id + ")",
                    "R(K) + CI <= " + bound_name + " at every checkpoint");
    }
    std::map<double, std::pair<double, double>> rows;
    if (bound.value("in_bounds_csv", false)) {
      const NumericCsv table = read_numeric_csv(run->directory / "bounds.csv");
      const auto& checkpoints = table.column("iteration");
      const auto& measured = table.column("running_avg_grad_norm_sq");
      const auto& values = table.column(bound_name);
      for (std::size_t row = 0; row < table.rows; ++row) {
        rows[checkpoints[row]] = {measured[row], values[row]};
      }
    } else {  // a corollary: one value, at the last checkpoint
      const json& final_row = run->summary.value("final", json::object());
      rows[json_number(final_row.value("iteration", json()))] = {
          final_r(*run), bound.contains("value") ? json_number(bound["value"]) : kNaN};
    }
    per_replicate.push_back(std::move(rows));
  }
  BoundComparison comparison;
  comparison.bound_name = bound_name;
  comparison.per_seed.resize(per_replicate.size());
  for (const auto& [checkpoint, first_row] : per_replicate.front()) {
    const bool shared = std::all_of(per_replicate.begin(), per_replicate.end(),
                                    [&](const auto& rows) { return rows.contains(checkpoint); });
    if (!shared) continue;
    comparison.checkpoints.push_back(checkpoint);
    double bound_sum = 0.0;
    for (std::size_t s = 0; s < per_replicate.size(); ++s) {
      const auto& [measured, value] = per_replicate[s].at(checkpoint);
      comparison.per_seed[s].push_back(measured);
      bound_sum += value;
    }
    comparison.bound.push_back(bound_sum / static_cast<double>(per_replicate.size()));
  }
  if (comparison.checkpoints.empty()) {
    return failed("bound_holds", claim,
                  "no checkpoint with K >= 1 that every replicate has in bounds.csv",
                  "R(K) + CI <= " + bound_name + " at every checkpoint");
  }
  Verdict verdict = bound_holds_verdict(comparison);
  verdict.claim = claim;
  return verdict;
}

Verdict evaluate_sandwich(const ClaimContext& context) {
  context.check_keys({"inner", "hierarchical", "outer", "hierarchical_bound"});
  const PointGroup inner =
      context.select_one(context.where_in(context.params(), "inner", "inner", true), "inner");
  const PointGroup middle = context.select_one(
      context.where_in(context.params(), "hierarchical", "hierarchical", true), "hierarchical");
  const PointGroup outer =
      context.select_one(context.where_in(context.params(), "outer", "outer", true), "outer");
  const std::string claim = context.claim_text("local SGD(P_1) <= H-SGD <= local SGD(P_M)");
  SandwichMeasurement measurement;
  const std::pair<const PointGroup*, std::vector<double>*> parts[] = {
      {&inner, &measurement.inner},
      {&middle, &measurement.hierarchical},
      {&outer, &measurement.outer}};
  for (const auto& [group, values] : parts) {
    for (const SuiteResultsRun* run : group->replicates) {
      const double r = final_r(*run);
      if (!std::isfinite(r)) {
        return failed(
            "sandwich", claim,
            "R(K) = " + fmt(r) + " in runs/" + run->id + " (status " + status_of(*run) + ")",
            "local(P_1) <= H-SGD <= local(P_M), empirical and bounds");
      }
      values->push_back(r);
    }
  }
  // Bounds from the hierarchical run's summary: sandwich_local_sgd_<P> with the smallest P
  // (P_1) and the largest (P_M), and the H-SGD bound.
  const SuiteResultsRun& first = *middle.replicates.front();
  std::map<long long, std::string> rungs;
  const std::string prefix = "sandwich_local_sgd_";
  if (first.summary.contains("bounds") && first.summary["bounds"].contains("list") &&
      first.summary["bounds"]["list"].is_array()) {
    for (const json& bound : first.summary["bounds"]["list"]) {
      const std::string name = bound.value("name", "");
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string period = name.substr(prefix.size());
      if (period.empty() || period.find_first_not_of("0123456789") != std::string::npos) continue;
      rungs.emplace(std::stoll(period), name);
    }
  }
  if (rungs.size() < 2) {
    throw context.error("hierarchical",
                        "selects runs/" + first.id +
                            ", whose summary.json bounds.list has fewer than two "
                            "sandwich_local_sgd_<P> rungs (is it an hsgd run with bounds?)");
  }
  std::string hierarchical_name;
  if (context.has("hierarchical_bound")) {
    hierarchical_name = context.text("hierarchical_bound");
  } else {
    for (const json& bound : first.summary["bounds"]["list"]) {
      const std::string name = bound.value("name", "");
      if (name == "hsgd_two_level" || name == "hsgd_multilevel") hierarchical_name = name;
    }
    if (hierarchical_name.empty()) {
      throw context.error("hierarchical_bound",
                          "is needed: runs/" + first.id +
                              "/summary.json has neither hsgd_two_level nor hsgd_multilevel");
    }
  }
  const auto mean_bound = [&](const std::string& name, const char* key) {
    double sum = 0.0;
    for (const SuiteResultsRun* run : middle.replicates)
      sum += bound_value(context, *run, name, key);
    return sum / static_cast<double>(middle.replicates.size());
  };
  measurement.inner_bound = mean_bound(rungs.begin()->second, "hierarchical");
  measurement.hierarchical_bound = mean_bound(hierarchical_name, "hierarchical_bound");
  measurement.outer_bound = mean_bound(rungs.rbegin()->second, "hierarchical");
  return sandwich_verdict(claim, measurement);
}

}  // namespace dsgdlab::claims
