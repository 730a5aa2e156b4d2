#include "dsgdlab/analysis/verdicts/verdicts.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "dsgdlab/analysis/stats/confidence.hpp"

namespace dsgdlab {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// Upper end of the 95% interval of the mean; the mean itself for one value (no spread).
double upper_end(const MeanInterval& interval) {
  return interval.count > 1 ? interval.upper() : interval.mean;
}

double lower_end(const MeanInterval& interval) {
  return interval.count > 1 ? interval.lower() : interval.mean;
}

std::string with_interval(const MeanInterval& interval) {
  if (interval.count < 2 || std::isnan(interval.half_width)) {
    return format_verdict_number(interval.mean);
  }
  return format_verdict_number(interval.mean) + " ± " + format_verdict_number(interval.half_width);
}

Verdict make_verdict(std::string kind, std::string claim) {
  Verdict verdict;
  verdict.kind = std::move(kind);
  verdict.claim = std::move(claim);
  return verdict;
}

}  // namespace

Verdict bound_holds_verdict(const BoundComparison& comparison) {
  const std::size_t checkpoints = comparison.checkpoints.size();
  if (checkpoints == 0 || comparison.per_seed.empty() || comparison.bound.size() != checkpoints) {
    throw std::invalid_argument(
        "bound_holds_verdict: need checkpoints, seeds and one bound value "
        "per checkpoint");
  }
  Verdict verdict =
      make_verdict("bound_holds", "R(K) below " + comparison.bound_name + " at every checkpoint");
  double min_tightness = kInfinity;
  double worst_checkpoint = comparison.checkpoints.front();
  int violations = 0;
  std::vector<double> values(comparison.per_seed.size());
  for (std::size_t c = 0; c < checkpoints; ++c) {
    for (std::size_t s = 0; s < comparison.per_seed.size(); ++s) {
      if (comparison.per_seed[s].size() != checkpoints) {
        throw std::invalid_argument("bound_holds_verdict: seed " + std::to_string(s) +
                                    " has a different number of checkpoints");
      }
      values[s] = comparison.per_seed[s][c];
    }
    const bool finite = std::all_of(values.begin(), values.end(),
                                    [](double value) { return std::isfinite(value); });
    const double bound = comparison.bound[c];
    if (!finite) {  // a diverged seed violates every bound
      ++violations;
      min_tightness = 0.0;
      worst_checkpoint = comparison.checkpoints[c];
      continue;
    }
    const MeanInterval interval = mean_interval95(values);
    if (!(upper_end(interval) <= bound)) ++violations;
    const double tightness = bound / interval.mean;
    if (tightness < min_tightness) {
      min_tightness = tightness;
      worst_checkpoint = comparison.checkpoints[c];
    }
  }
  verdict.passed = violations == 0;
  verdict.measured = "bound/R >= " + format_verdict_number(min_tightness) +
                     " (worst at K = " + format_verdict_number(worst_checkpoint) + "), " +
                     std::to_string(violations) + " violations";
  verdict.expected = "R(K) + CI <= bound at all " + std::to_string(checkpoints) + " checkpoints";
  verdict.numbers = {{"min_tightness", min_tightness},
                     {"worst_checkpoint", worst_checkpoint},
                     {"violations", static_cast<double>(violations)},
                     {"seeds", static_cast<double>(comparison.per_seed.size())}};
  return verdict;
}

Verdict slope_verdict(std::string kind, std::string claim, std::span<const Series> seeds,
                      double expected_slope, double tolerance) {
  if (!(tolerance >= 0.0)) {
    throw std::invalid_argument("slope_verdict: tolerance must be >= 0");
  }
  const RateFit fit = fit_rate(seeds);
  double lower = lower_end(fit.slope);
  double upper = upper_end(fit.slope);
  if (seeds.size() == 1 && !std::isnan(fit.slope.half_width)) {
    lower = fit.slope.lower();
    upper = fit.slope.upper();
  }
  Verdict verdict = make_verdict(std::move(kind), std::move(claim));
  verdict.passed = slope_consistent(lower, upper, expected_slope, tolerance) &&
                   upper <= expected_slope + tolerance;
  verdict.measured =
      "slope " + with_interval(fit.slope) + " over " + std::to_string(seeds.size()) + " seeds";
  verdict.expected =
      format_verdict_number(expected_slope) + " ± " + format_verdict_number(tolerance);
  verdict.numbers = {{"slope", fit.slope.mean},
                     {"slope_lower", lower},
                     {"slope_upper", upper},
                     {"pooled_slope", fit.pooled.slope},
                     {"seeds", static_cast<double>(seeds.size())},
                     {"expected", expected_slope},
                     {"tolerance", tolerance}};
  return verdict;
}

namespace {

/// time(s_max)/time(s = 1) of a series.
double slowdown_ratio(const SlowdownSeries& series) {
  if (series.slowdowns.size() < 2 || series.slowdowns.size() != series.time_to_target.size()) {
    throw std::invalid_argument("heterogeneity_verdict: series '" + series.algorithm +
                                "' needs >= 2 slowdowns with one time each");
  }
  if (series.slowdowns.front() != 1.0) {
    throw std::invalid_argument("heterogeneity_verdict: series '" + series.algorithm +
                                "' must start at slowdown 1");
  }
  return series.time_to_target.back() / series.time_to_target.front();
}

}  // namespace

Verdict heterogeneity_verdict(const SlowdownSeries& robust,
                              std::span<const SlowdownSeries> synchronous, double max_robust_ratio,
                              double min_sync_fraction) {
  const double robust_ratio = slowdown_ratio(robust);
  const double slowest = robust.slowdowns.back();
  Verdict verdict =
      make_verdict("heterogeneity_robustness", robust.algorithm + " robust to one worker " +
                                                   format_verdict_number(slowest) + "x slower");
  verdict.passed = robust_ratio <= max_robust_ratio;
  verdict.numbers.push_back({robust.algorithm + "_ratio", robust_ratio});
  verdict.measured = robust.algorithm + " x" + format_verdict_number(robust_ratio);
  for (const SlowdownSeries& series : synchronous) {
    const double ratio = slowdown_ratio(series);
    if (series.slowdowns.back() != slowest) {
      throw std::invalid_argument("heterogeneity_verdict: series '" + series.algorithm +
                                  "' ends at a different slowdown");
    }
    verdict.passed = verdict.passed && ratio >= min_sync_fraction * slowest;
    verdict.numbers.push_back({series.algorithm + "_ratio", ratio});
    verdict.numbers.push_back({"speedup_vs_" + series.algorithm,
                               series.time_to_target.back() / robust.time_to_target.back()});
    verdict.measured += ", " + series.algorithm + " x" + format_verdict_number(ratio);
  }
  verdict.expected = robust.algorithm + " <= x" + format_verdict_number(max_robust_ratio) +
                     ", synchronous >= x" + format_verdict_number(min_sync_fraction * slowest);
  return verdict;
}

Verdict sandwich_verdict(std::string claim, const SandwichMeasurement& measurement) {
  const MeanInterval inner = mean_interval95(measurement.inner);
  const MeanInterval middle = mean_interval95(measurement.hierarchical);
  const MeanInterval outer = mean_interval95(measurement.outer);
  // An inversion a > b of two claimed-ordered means counts only when their intervals separate.
  const auto separated_above = [](const MeanInterval& a, const MeanInterval& b) {
    return lower_end(a) > upper_end(b);
  };
  const bool bounds_ordered = measurement.inner_bound <= measurement.hierarchical_bound &&
                              measurement.hierarchical_bound <= measurement.outer_bound;
  const bool empirical_ordered = !separated_above(inner, middle) && !separated_above(middle, outer);
  Verdict verdict = make_verdict("sandwich", std::move(claim));
  verdict.passed = bounds_ordered && empirical_ordered;
  verdict.measured = "R: " + with_interval(inner) + " | " + with_interval(middle) + " | " +
                     with_interval(outer) + "; bounds " +
                     format_verdict_number(measurement.inner_bound) + " | " +
                     format_verdict_number(measurement.hierarchical_bound) + " | " +
                     format_verdict_number(measurement.outer_bound);
  verdict.expected = "local(P_1) <= H-SGD <= local(P_M), empirical and bounds";
  verdict.numbers = {{"inner_mean", inner.mean},
                     {"inner_half_width", inner.half_width},
                     {"hierarchical_mean", middle.mean},
                     {"hierarchical_half_width", middle.half_width},
                     {"outer_mean", outer.mean},
                     {"outer_half_width", outer.half_width},
                     {"inner_bound", measurement.inner_bound},
                     {"hierarchical_bound", measurement.hierarchical_bound},
                     {"outer_bound", measurement.outer_bound},
                     {"bounds_ordered", bounds_ordered ? 1.0 : 0.0},
                     {"empirical_ordered", empirical_ordered ? 1.0 : 0.0}};
  return verdict;
}

Verdict exactness_verdict(std::string claim, std::span<const ExactCheck> checks) {
  if (checks.empty()) throw std::invalid_argument("exactness_verdict: no checks");
  Verdict verdict = make_verdict("exactness", std::move(claim));
  int failed = 0;
  double worst = 0.0;
  for (const ExactCheck& check : checks) {
    const bool holds = check.residual <= check.tolerance;  // NaN fails
    if (!holds) ++failed;
    worst = std::max(worst, check.residual);
    verdict.numbers.push_back({check.name, check.residual});
  }
  verdict.passed = failed == 0;
  verdict.measured = std::to_string(checks.size() - static_cast<std::size_t>(failed)) + "/" +
                     std::to_string(checks.size()) + " hold, largest residual " +
                     format_verdict_number(worst);
  verdict.expected = "every residual within its tolerance";
  return verdict;
}

}  // namespace dsgdlab
