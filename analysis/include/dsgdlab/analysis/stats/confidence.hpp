#pragma once

/// Student-t confidence intervals of a mean (theory.md §6): seeds are independent replicates,
/// so a seed-level statistic's 95% interval is mean ± t_{0.975, S−1}·s/√S.

#include <span>

namespace dsgdlab {

/// t_{p, ν}: the p-quantile of Student's t with ν > 0 degrees of freedom (Boost.Math).
double student_t_quantile(double probability, double degrees_of_freedom);

struct MeanInterval {
  /// Number of values.
  int count = 0;
  double mean = 0.0;
  /// Sample standard deviation (ν = count − 1); NaN for one value.
  double standard_deviation = 0.0;
  /// t_{0.975, count−1}·s/√count; NaN for one value (no spread to estimate), 0 when all equal.
  double half_width = 0.0;

  double lower() const { return mean - half_width; }
  double upper() const { return mean + half_width; }
};

/// The 95% Student-t interval of the mean of `values` (at least one, all finite; throws
/// std::invalid_argument otherwise).
MeanInterval mean_interval95(std::span<const double> values);

}  // namespace dsgdlab
