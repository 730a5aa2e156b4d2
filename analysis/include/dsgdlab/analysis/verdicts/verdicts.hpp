#pragma once

/// The verdicts of theory.md §6. Each takes measurements already gathered from a suite's runs
/// (seed by seed) and returns a Verdict with pass/fail and its numbers. Seeds are independent
/// replicates, so seed-level Student-t intervals (stats/confidence.hpp) carry the noise.

#include <span>
#include <string>
#include <vector>

#include "dsgdlab/analysis/stats/rate_fit.hpp"
#include "dsgdlab/analysis/verdicts/verdict.hpp"

namespace dsgdlab {

// ---------------------------------------------------------------------------------------------
// Bound holds

/// R(K) of several seeds at the same checkpoints K, and the bound at those checkpoints.
struct BoundComparison {
  std::string bound_name;
  std::vector<double> checkpoints;
  /// per_seed[s][c]: R at checkpoint c of seed s.
  std::vector<std::vector<double>> per_seed;
  /// The bound at each checkpoint (for bounds with estimated constants, the seeds' mean).
  std::vector<double> bound;
};

/// Passes when, at every checkpoint, the upper end of the 95% interval of the seed-mean R(K)
/// lies below the bound (one seed: the mean itself). Numbers: `min_tightness` (the smallest
/// bound/mean ratio over checkpoints), `worst_checkpoint` (where it occurs), `violations`
/// (checkpoints where the interval's upper end exceeds the bound), `seeds`.
Verdict bound_holds_verdict(const BoundComparison& comparison);

// ---------------------------------------------------------------------------------------------
// Rate and linear speedup

/// Passes when the 95% interval of the seed-mean log–log slope overlaps
/// [expected − tolerance, expected + tolerance] and its upper end is at most
/// expected + tolerance (slower than claimed fails; faster passes if consistent). Numbers:
/// `slope`, `slope_lower`, `slope_upper`, `pooled_slope`, `seeds`, `expected`, `tolerance`.
/// `kind` is "rate" for R(K) against K, "linear_speedup" for time-to-ε against n.
Verdict slope_verdict(std::string kind, std::string claim, std::span<const Series> seeds,
                      double expected_slope, double tolerance);

// ---------------------------------------------------------------------------------------------
// Heterogeneity robustness

/// Time to ε of one algorithm at several slowdowns s of one worker (s = 1 first), seed-averaged.
struct SlowdownSeries {
  std::string algorithm;
  std::vector<double> slowdowns;
  /// Seed-mean time to ε at each slowdown (+∞ when some seed never reached ε).
  std::vector<double> time_to_target;
};

/// The headline claim of AD-PSGD: with one worker s× slower, the robust algorithm's time to ε
/// grows by at most `max_robust_ratio` (time(s_max)/time(1)), while each synchronous
/// algorithm's grows by at least `min_sync_fraction`·s_max (a barrier waits for the slowest
/// worker). Numbers: `<algorithm>_ratio` for each series, and the robust algorithm's speed-up
/// over each synchronous one at s_max (`speedup_vs_<algorithm>`).
Verdict heterogeneity_verdict(const SlowdownSeries& robust,
                              std::span<const SlowdownSeries> synchronous, double max_robust_ratio,
                              double min_sync_fraction);

// ---------------------------------------------------------------------------------------------
// Sandwich

/// Final R of local SGD with period P_1 (inner), H-SGD, and local SGD with period P_M (outer),
/// one value per seed each, and the three bound values.
struct SandwichMeasurement {
  std::vector<double> inner;
  std::vector<double> hierarchical;
  std::vector<double> outer;
  double inner_bound = 0.0;
  double hierarchical_bound = 0.0;
  double outer_bound = 0.0;
};

/// Passes when the bounds are ordered Φ_inner ≤ Φ_H ≤ Φ_outer and the measured seed means are
/// ordered inner ≤ H ≤ outer up to their 95% intervals (an inversion counts only when the
/// intervals separate: lower end of the smaller-claimed one above the upper end of the other).
/// Numbers: the three means and half-widths, the three bounds.
Verdict sandwich_verdict(std::string claim, const SandwichMeasurement& measurement);

// ---------------------------------------------------------------------------------------------
// Exactness

/// One exact check: a residual compared with a tolerance (0 for bitwise equality).
struct ExactCheck {
  std::string name;
  double residual = 0.0;
  double tolerance = 0.0;
};

/// Passes when every residual is ≤ its tolerance. Numbers: each check's residual.
Verdict exactness_verdict(std::string claim, std::span<const ExactCheck> checks);

}  // namespace dsgdlab
