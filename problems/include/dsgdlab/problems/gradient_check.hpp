#pragma once

/// A finite-difference gradient checker that any Problem (a user's own included) can be run
/// through, in the spirit of Ceres' GradientChecker.

#include <string>

#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

struct GradientCheckOptions {
  /// Central-difference step h, relative: h_j = relative_step · max(1, |x_j|). Default 1e-6
  /// balances truncation error O(h²·f''') against round-off O(ε_machine·|f|/h).
  double relative_step = 1e-6;
  /// Pass when ‖g_analytic − g_fd‖∞ ≤ tolerance · max(1, ‖g_fd‖∞). Default 1e-6.
  double tolerance = 1e-6;
  /// Number of coordinates probed (all when ≥ dim); probed coordinates are spread evenly.
  Index max_coordinates = 200;

  void validate() const;
};

struct GradientCheckResult {
  bool passed = false;
  /// max_j |g_j − g_fd,j| over the probed coordinates.
  double max_abs_error = 0.0;
  /// max_abs_error / max(1, ‖g_fd‖∞), the quantity compared with the tolerance.
  double relative_error = 0.0;
  /// Coordinate with the largest error.
  Index worst_coordinate = 0;

  /// "passed: relative error 3.1e-09 (worst coordinate 17)".
  std::string brief_report() const;
};

/// Compares local_gradient(worker, x) with central differences of local_loss(worker, ·).
GradientCheckResult check_local_gradient(const Problem& problem, int worker, ConstVectorRef x,
                                         const GradientCheckOptions& options = {});

}  // namespace dsgdlab
