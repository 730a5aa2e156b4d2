#include "dsgdlab/experiments/baseline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<double> lookup(const std::map<std::string, double>& numbers,
                             const std::string& name) {
  const auto found = numbers.find(name);
  if (found == numbers.end()) return std::nullopt;
  return found->second;
}

std::optional<double> lookup(const Verdict& verdict, const std::string& name) {
  for (const VerdictNumber& number : verdict.numbers) {
    if (number.name == name) return number.value;
  }
  return std::nullopt;
}

/// A half-width, 0 when unknown (NaN) or absent.
double half_width(std::optional<double> value) {
  return value && std::isfinite(*value) ? std::abs(*value) : 0.0;
}

/// Higher is worse: m > b + max(10%·b, √(h² + h_b²)).
void compare_level(const Verdict& verdict, const std::map<std::string, double>& baseline,
                   const std::string& name, const std::string& half_width_name,
                   std::vector<RegressionCheck>& checks) {
  const auto measured = lookup(verdict, name);
  const auto reference = lookup(baseline, name);
  if (!measured || !reference || !std::isfinite(*reference)) return;
  const double h = half_width(lookup(verdict, half_width_name));
  const double h_b = half_width(lookup(baseline, half_width_name));
  const double allowed =
      std::max(kRelativeTolerance * std::abs(*reference), std::sqrt(h * h + h_b * h_b));
  checks.push_back({name, *reference, *measured, allowed, !(*measured <= *reference + allowed),
                    name + " > baseline + max(10% of baseline, CI)"});
}

void compare_slope(const Verdict& verdict, const std::map<std::string, double>& baseline,
                   std::vector<RegressionCheck>& checks) {
  const auto slope = lookup(verdict, "slope");
  const auto reference = lookup(baseline, "slope");
  if (!slope || !reference || !std::isfinite(*reference)) return;
  const auto upper = lookup(verdict, "slope_upper");
  const auto reference_upper = lookup(baseline, "slope_upper");
  const double h = upper ? half_width(*upper - *slope) : 0.0;
  const double h_b = reference_upper ? half_width(*reference_upper - *reference) : 0.0;
  const double allowed = std::sqrt(h * h + h_b * h_b);
  checks.push_back({"slope", *reference, *slope, allowed, !(*slope <= *reference + allowed),
                    "slope > baseline + sqrt(hw^2 + hw_baseline^2)"});
}

void compare_robust_ratio(const Verdict& verdict, const std::map<std::string, double>& baseline,
                          std::vector<RegressionCheck>& checks) {
  // The robust algorithm's ratio is the verdict's first number (heterogeneity_verdict).
  if (verdict.numbers.empty()) return;
  const std::string name = verdict.numbers.front().name;
  if (name.size() < 6 || name.substr(name.size() - 6) != "_ratio") return;
  const double measured = verdict.numbers.front().value;
  const auto reference = lookup(baseline, name);
  if (!reference || !std::isfinite(*reference)) return;
  double relative = kRelativeTolerance;
  const auto time = lookup(verdict, "robust_time_at_max_slowdown");
  const auto time_half_width = lookup(verdict, "robust_time_at_max_slowdown_half_width");
  if (time && std::isfinite(*time) && *time > 0.0) {
    relative = std::max(relative, half_width(time_half_width) / *time);
  }
  const double allowed = relative * std::abs(*reference);
  checks.push_back({name, *reference, measured, allowed, !(measured <= *reference + allowed),
                    name + " > baseline * (1 + max(10%, relative CI))"});
}

void compare_tightness(const Verdict& verdict, const std::map<std::string, double>& baseline,
                       std::vector<RegressionCheck>& checks) {
  const auto measured = lookup(verdict, "min_tightness");
  const auto reference = lookup(baseline, "min_tightness");
  if (!measured || !reference || !std::isfinite(*reference)) return;
  const double floor = *reference / (1.0 + kRelativeTolerance);
  checks.push_back({"min_tightness", *reference, *measured, *reference - floor,
                    !(*measured >= floor), "min_tightness < baseline / (1 + 10%)"});
}

double json_number(const json& value) { return value.is_number() ? value.get<double>() : kNaN; }

}  // namespace

Baseline read_baseline(const std::filesystem::path& file) {
  const json document = read_json(file);
  if (!document.is_object()) throw FileFormatError(file, 0, "must hold a JSON object");
  if (document.value("format", "") != kBaselineFormat) {
    throw FileFormatError(file, 0,
                          "format must be \"" + std::string(kBaselineFormat) + "\", not " +
                              document.value("format", json()).dump());
  }
  Baseline baseline;
  baseline.file = file;
  if (!document.contains("suite") || !document["suite"].is_string()) {
    throw FileFormatError(file, 0, "\"suite\" must be the suite's name");
  }
  baseline.suite = document["suite"].get<std::string>();
  if (!document.contains("claims") || !document["claims"].is_object()) {
    throw FileFormatError(file, 0, "\"claims\" must be an object {claim name: {numbers}}");
  }
  for (const auto& [claim, entry] : document["claims"].items()) {
    if (!entry.is_object() || !entry.contains("numbers") || !entry["numbers"].is_object()) {
      throw FileFormatError(file, 0, "claims." + claim + " must be {\"numbers\": {...}}");
    }
    auto& numbers = baseline.claims[claim];
    for (const auto& [name, value] : entry["numbers"].items()) {
      if (!value.is_number() && !value.is_null()) {
        throw FileFormatError(file, 0,
                              "claims." + claim + ".numbers." + name + " must be a number");
      }
      numbers[name] = json_number(value);
    }
  }
  return baseline;
}

json baseline_json(const std::string& suite, const std::vector<ClaimVerdict>& verdicts) {
  json claims = json::object();
  for (const ClaimVerdict& verdict : verdicts) {
    json numbers = json::object();
    for (const VerdictNumber& number : verdict.verdict.numbers) {
      numbers[number.name] = number.value;  // non-finite numbers are written as null
    }
    claims[verdict.name] = {{"numbers", numbers}};
  }
  return {{"format", kBaselineFormat}, {"suite", suite}, {"claims", claims}};
}

void write_baseline(const std::filesystem::path& file, const std::string& suite,
                    const std::vector<ClaimVerdict>& verdicts) {
  write_json_atomically(file, baseline_json(suite, verdicts));
}

std::vector<RegressionCheck> compare_with_baseline(const ClaimVerdict& verdict,
                                                   const std::map<std::string, double>& baseline) {
  std::vector<RegressionCheck> checks;
  const Verdict& v = verdict.verdict;
  if (verdict.kind == "rate") {
    compare_slope(v, baseline, checks);
    compare_level(v, baseline, "final_r_at_max_x", "final_r_at_max_x_half_width", checks);
  } else if (verdict.kind == "linear_speedup") {
    compare_slope(v, baseline, checks);
    compare_level(v, baseline, "time_at_min_x", "time_at_min_x_half_width", checks);
  } else if (verdict.kind == "heterogeneity_robustness") {
    compare_robust_ratio(v, baseline, checks);
    compare_level(v, baseline, "robust_time_at_max_slowdown",
                  "robust_time_at_max_slowdown_half_width", checks);
  } else if (verdict.kind == "bound_holds") {
    compare_tightness(v, baseline, checks);
  } else if (verdict.kind == "sandwich") {
    compare_level(v, baseline, "hierarchical_mean", "hierarchical_half_width", checks);
  }
  return checks;
}

}  // namespace dsgdlab
