#pragma once

/// Evaluating a suite's [[claim]] tables on its results (docs/suites.md "Claims"): each claim
/// selects run points with `where` tables, reads the metrics it needs from the runs' files and
/// calls the verdict function of analysis/verdicts/verdicts.hpp.
///
/// Metrics: `final_r` = summary.json final.running_avg_grad_norm_sq, R(K) at the last
/// checkpoint; `final_loss_gap` = final.loss − f* (constants.optimum_value.value); time to
/// target from trace.csv columns (`metric` = "grad_norm_sq", "loss_gap" = loss − f*,
/// "running_avg_grad_norm_sq"; `time` = "virtual_time_s" or "iteration"), the first crossing
/// interpolated in log(value) (stats/time_to_target.hpp).
///
/// Verdict kinds and their keys (defaults in brackets):
/// - `rate`: where, x, expected [−0.5], tolerance [0.1]; per replicate the series
///   (x, final_r) → slope_verdict. Needs ≥ 3 distinct x.
/// - `linear_speedup`: where, x, metric, target, time [virtual_time_s], expected [−1],
///   tolerance [0.15]; per replicate (x, time to target) → slope_verdict.
/// - `bound_holds`: where (one point), bound, require_conditions [true]; bounds.csv R(K) and
///   the bound's column → bound_holds_verdict.
/// - `heterogeneity_robustness`: robust, synchronous, axis [cost.slow_workers], metric, target,
///   time, max_robust_ratio [2], min_sync_fraction [0.5], where → heterogeneity_verdict.
/// - `sandwich`: inner, hierarchical, outer (one point each), hierarchical_bound →
///   sandwich_verdict.
/// - `exactness`: checks (same_trace, divergence_identity, spectral), tolerance (the default of
///   the checks that set none) → exactness_verdict.
///
/// Besides the verdict function's numbers, each verdict carries the numbers the baseline
/// comparison needs (baseline.hpp): `rate` adds `final_r_at_max_x` and its 95% half-width,
/// `linear_speedup` `time_at_min_x` and its half-width, `heterogeneity_robustness`
/// `robust_time_at_max_slowdown` and its half-width.
///
/// Bad claim parameters (an unknown key, a `where` that selects nothing, an x that is not a
/// key of the points, too few points) are InputErrors "SUITE_FILE:LINE: claim 'NAME' (KIND):
/// key 'KEY' ...". A measurement that makes a claim impossible to verify (a diverged run, a
/// target never reached, failed bound conditions) is a failed verdict, not an error.

#include <string>
#include <vector>

#include "dsgdlab/analysis/verdicts/verdict.hpp"
#include "dsgdlab/experiments/suite_results.hpp"

namespace dsgdlab {

/// A claim of a suite and its verdict.
struct ClaimVerdict {
  std::string name;
  /// The claim's verdict kind (the [[claim]] `verdict` key).
  std::string kind;
  /// The claim's `description`, empty when it has none.
  std::string description;
  Verdict verdict;
};

/// Evaluates one claim of `suite`. Throws InputError for bad claim parameters.
ClaimVerdict evaluate_claim(const SuiteResults& suite, const SuiteResultsClaim& claim);

/// Evaluates every claim of `suite`, in suite-file order.
std::vector<ClaimVerdict> evaluate_claims(const SuiteResults& suite);

}  // namespace dsgdlab
