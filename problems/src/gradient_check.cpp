#include "dsgdlab/problems/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

void GradientCheckOptions::validate() const {
  if (!(relative_step > 0.0))
    throw invalid_option("gradient_check.relative_step", relative_step, "must be positive");
  if (!(tolerance > 0.0))
    throw invalid_option("gradient_check.tolerance", tolerance, "must be positive");
  if (max_coordinates < 1)
    throw invalid_option("gradient_check.max_coordinates", max_coordinates, "must be at least 1");
}

std::string GradientCheckResult::brief_report() const {
  char buffer[160];
  std::snprintf(buffer, sizeof(buffer),
                "%s: relative error %.3g, max abs error %.3g (worst coordinate %lld)",
                passed ? "passed" : "FAILED", relative_error, max_abs_error,
                static_cast<long long>(worst_coordinate));
  return buffer;
}

GradientCheckResult check_local_gradient(const Problem& problem, int worker, ConstVectorRef x,
                                         const GradientCheckOptions& options) {
  options.validate();
  const Index d = problem.dim();
  Vector analytic(d);
  problem.local_gradient(worker, x, analytic);

  const Index probes = std::min(d, options.max_coordinates);
  Vector point = x;
  GradientCheckResult result;
  double fd_scale = 1.0;
  for (Index p = 0; p < probes; ++p) {
    const Index j = probes == d ? p : (p * d) / probes;
    const double h = options.relative_step * std::max(1.0, std::abs(x[j]));
    point[j] = x[j] + h;
    const double up = problem.local_loss(worker, point);
    point[j] = x[j] - h;
    const double down = problem.local_loss(worker, point);
    point[j] = x[j];
    const double fd = (up - down) / (2.0 * h);
    fd_scale = std::max(fd_scale, std::abs(fd));
    const double error = std::abs(analytic[j] - fd);
    if (error > result.max_abs_error) {
      result.max_abs_error = error;
      result.worst_coordinate = j;
    }
  }
  result.relative_error = result.max_abs_error / fd_scale;
  result.passed = result.relative_error <= options.tolerance;
  return result;
}

}  // namespace dsgdlab
