#pragma once

/// Baselines of `dsgdlab check` (docs/suites.md "Baselines"): the verdict numbers of a suite's
/// claims from a reference run, committed (experiments/baselines/<suite>.json) so that a change
/// that slows a rate or a time to ε fails CI even while the claim itself still passes.
///
///     {"format": "dsgdlab-baseline/1", "suite": "adpsgd_rate",
///      "claims": {"adpsgd_rate": {"numbers": {"slope": -0.51, "slope_upper": -0.47, ...}}}}
///
/// The regression rule per verdict kind (compare_with_baseline), with b the baseline value,
/// m the measured one, h and h_b their 95% half-widths (0 when unknown), and
/// allowed_level = max(kRelativeTolerance·b, √(h² + h_b²)):
/// - `rate`, `linear_speedup`: `slope` regresses when m > b + √(h² + h_b²), h = slope_upper −
///   slope (a slower decay; a faster one never regresses). The level regresses too when it
///   rises beyond allowed_level: `final_r_at_max_x` (R(K) at the largest x: a smaller step
///   steepens the slope but raises R) for `rate`, `time_at_min_x` (time to ε at the smallest
///   x) for `linear_speedup`.
/// - `heterogeneity_robustness`: the robust algorithm's `<robust>_ratio` (time at the largest
///   slowdown / time at slowdown 1) regresses when m > b·(1 + max(kRelativeTolerance, h/m)),
///   h/m the relative half-width of its time at the largest slowdown; and
///   `robust_time_at_max_slowdown` when it rises beyond allowed_level.
/// - `bound_holds`: `min_tightness` (bound / R(K), smallest over the checkpoints) regresses
///   when m < b / (1 + kRelativeTolerance): R(K) has moved towards the bound.
/// - `sandwich`: `hierarchical_mean` (H-SGD's final R(K)) regresses when it rises beyond
///   allowed_level (with hierarchical_half_width).
/// - `exactness`: no comparison; exact checks pass or fail on their own.
/// A number missing from either side, or not finite in the baseline, is not compared.

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/experiments/claim_evaluation.hpp"

namespace dsgdlab {

inline constexpr std::string_view kBaselineFormat = "dsgdlab-baseline/1";

/// The relative slack of level comparisons (10%): run-to-run changes below it are noise of a
/// different machine or library version rather than a slowed algorithm.
inline constexpr double kRelativeTolerance = 0.1;

/// A suite's baseline: per claim, the verdict's numbers.
struct Baseline {
  std::filesystem::path file;
  std::string suite;
  std::map<std::string, std::map<std::string, double>> claims;
};

/// Reads a baseline file; throws FileFormatError naming the file for a malformed one.
Baseline read_baseline(const std::filesystem::path& file);

/// The baseline document of a suite's verdicts.
nlohmann::json baseline_json(const std::string& suite, const std::vector<ClaimVerdict>& verdicts);

/// Writes baseline_json atomically.
void write_baseline(const std::filesystem::path& file, const std::string& suite,
                    const std::vector<ClaimVerdict>& verdicts);

/// One comparison of a number with its baseline.
struct RegressionCheck {
  std::string metric;
  double baseline = 0.0;
  double measured = 0.0;
  /// The allowed change, in the metric's units (for min_tightness, b − b/(1 + 10%)).
  double allowed = 0.0;
  bool regressed = false;
  /// The rule, one line ("slope > baseline + allowed").
  std::string rule;
};

/// The comparisons of a claim's verdict with the claim's baseline numbers (the rules above);
/// empty when nothing is comparable (an exactness claim, a failed verdict without numbers).
std::vector<RegressionCheck> compare_with_baseline(const ClaimVerdict& verdict,
                                                   const std::map<std::string, double>& baseline);

}  // namespace dsgdlab
