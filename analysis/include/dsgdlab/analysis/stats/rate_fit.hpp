#pragma once

/// Rate fits (theory.md §6 "Rate", "Linear speedup"): ordinary least squares of log y on
/// log x, with Student-t 95% intervals for the slope, per seed and across seeds.
///
/// The O(1/√K) claim is a slope b = −½ of log R(K) against log K; linear speedup is a slope
/// b = −1 of log(time to ε) against log n. A fit per seed gives b_s with its own interval
/// from the residuals; across seeds the slopes are independent replicates, and their mean has
/// the interval mean ± t_{0.975, S−1}·sd(b_s)/√S, which captures the seed-to-seed variability
/// a single pooled regression would understate.

#include <span>
#include <vector>

#include "dsgdlab/analysis/stats/confidence.hpp"

namespace dsgdlab {

/// y = intercept + slope·x by ordinary least squares.
struct LinearFit {
  int points = 0;
  double slope = 0.0;
  double intercept = 0.0;
  /// Standard error of the slope, s/√Σ(x − x̄)², s² = RSS/(points − 2); NaN with 2 points.
  double slope_standard_error = 0.0;
  /// t_{0.975, points−2}·slope_standard_error; NaN with 2 points, 0 for an exact line.
  double slope_half_width = 0.0;
  /// Coefficient of determination (1 for an exact line; NaN when y is constant).
  double r_squared = 0.0;

  double slope_lower() const { return slope - slope_half_width; }
  double slope_upper() const { return slope + slope_half_width; }
};

/// OLS fit of ys on xs (same length ≥ 2, finite, xs not all equal). Throws
/// std::invalid_argument naming the problem.
LinearFit fit_line(std::span<const double> xs, std::span<const double> ys);

/// OLS fit of log y on log x (natural logarithms); every x and y must be > 0.
LinearFit fit_log_log(std::span<const double> xs, std::span<const double> ys);

/// One seed's series: y measured at x (say R(K) at the checkpoints K, or time-to-ε at n).
struct Series {
  std::vector<double> x;
  std::vector<double> y;
};

/// Log–log fits of several seeds' series and their combination.
struct RateFit {
  /// One fit per seed, in input order.
  std::vector<LinearFit> per_seed;
  /// The mean of the per-seed slopes with its Student-t interval over seeds. With one seed the
  /// half-width is that seed's own regression interval.
  MeanInterval slope;
  /// One regression through every seed's points together (for reference; its interval
  /// treats all points as independent).
  LinearFit pooled;
};

/// Fits every series on log–log axes (each with ≥ 2 points) and combines them; at least one
/// series. Throws std::invalid_argument for bad input.
RateFit fit_rate(std::span<const Series> seeds);

/// Whether an interval [lower, upper] is consistent with an expected slope within a stated
/// tolerance: it overlaps [expected − tolerance, expected + tolerance].
bool slope_consistent(double lower, double upper, double expected, double tolerance);

}  // namespace dsgdlab
