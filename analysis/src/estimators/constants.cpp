#include "dsgdlab/analysis/estimators/constants.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <sstream>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string format_number(double value) {
  std::ostringstream out;
  out.precision(3);
  out << value;
  return out.str();
}

}  // namespace

std::string_view to_string(ConstantSource source) {
  switch (source) {
    case ConstantSource::kExact: return "exact";
    case ConstantSource::kUpperBound: return "upper_bound";
    case ConstantSource::kEstimated: return "estimated";
  }
  return "unknown";
}

std::optional<ConstantValue> from_problem(const std::optional<KnownConstant>& known) {
  if (!known) return std::nullopt;
  return ConstantValue{.value = known->value,
                       .source = known->origin == ConstantOrigin::kExact
                                     ? ConstantSource::kExact
                                     : ConstantSource::kUpperBound,
                       .method = "problem"};
}

// ---------------------------------------------------------------------------------------------
// L

void SmoothnessEstimateOptions::validate() const {
  if (power_iterations < 1 || power_iterations > 100'000) {
    throw invalid_option("estimators.power_iterations", power_iterations, "must be in [1, 100000]");
  }
  if (!(relative_step > 0.0 && relative_step < 1.0)) {
    throw invalid_option("estimators.finite_difference_step", relative_step, "must be in (0, 1)");
  }
}

ConstantValue estimate_smoothness(const Problem& problem, std::span<const Vector> points,
                                  RandomStream& rng, const SmoothnessEstimateOptions& options) {
  options.validate();
  if (points.empty()) throw std::invalid_argument("estimate_smoothness: no points");
  const Index d = problem.dim();
  Vector direction(d), product(d), shifted(d), gradient_plus(d), gradient_minus(d);
  double largest = 0.0;
  for (const Vector& point : points) {
    if (point.size() != d) {
      throw std::invalid_argument("estimate_smoothness: a point has dimension " +
                                  std::to_string(point.size()) + ", expected " + std::to_string(d));
    }
    const double step = options.relative_step * std::max(1.0, point.norm());
    for (int worker = 0; worker < problem.num_workers(); ++worker) {
      rng.fill_normal(direction);
      direction.normalize();
      double previous = 0.0;
      for (int iteration = 0; iteration < options.power_iterations; ++iteration) {
        // H v ≈ (∇f_i(x + h v) − ∇f_i(x − h v)) / (2h), ‖v‖ = 1.
        shifted = point + step * direction;
        problem.local_gradient(worker, shifted, gradient_plus);
        shifted = point - step * direction;
        problem.local_gradient(worker, shifted, gradient_minus);
        product = (gradient_plus - gradient_minus) / (2.0 * step);
        // ‖H v‖ ≤ ‖H‖₂ for every unit v: each iterate is a lower bound on the local L.
        const double norm = product.norm();
        if (!std::isfinite(norm)) break;
        largest = std::max(largest, norm);
        if (norm == 0.0) break;  // v in the null space: restart would be needed; H may be 0
        direction = product / norm;
        if (std::abs(norm - previous) <= 1e-9 * norm) break;  // converged
        previous = norm;
      }
    }
  }
  return {.value = largest,
          .source = ConstantSource::kEstimated,
          .method = "power iteration on finite-difference Hessian-vector products at " +
                    std::to_string(points.size()) + " points x " +
                    std::to_string(problem.num_workers()) + " workers (lower bound on L)"};
}

// ---------------------------------------------------------------------------------------------
// σ²

NoiseVarianceEstimator::NoiseVarianceEstimator(const Problem& problem, int samples_per_estimate)
    : problem_(problem), samples_(samples_per_estimate), sample_(problem.dim()) {
  if (samples_per_estimate < 1) {
    throw invalid_option("estimators.noise_samples", samples_per_estimate, "must be >= 1");
  }
}

void NoiseVarianceEstimator::measure(ConstVectorRef x, ConstMatrixRef local_gradients,
                                     RandomStream& rng, std::span<double> per_worker) {
  const int n = problem_.num_workers();
  if (local_gradients.cols() != n || local_gradients.rows() != problem_.dim() ||
      static_cast<int>(per_worker.size()) != n) {
    throw std::invalid_argument("NoiseVarianceEstimator::measure: sizes do not match the problem");
  }
  for (int worker = 0; worker < n; ++worker) {
    double sum = 0.0;
    for (int s = 0; s < samples_; ++s) {
      problem_.sample_gradient(worker, x, rng, sample_);
      sum += (sample_ - local_gradients.col(worker)).squaredNorm();
    }
    const double estimate = sum / samples_;
    per_worker[static_cast<std::size_t>(worker)] = estimate;
    // Welford's update of the running mean and sum of squared deviations.
    ++count_;
    const double delta = estimate - mean_;
    mean_ += delta / static_cast<double>(count_);
    m2_ += delta * (estimate - mean_);
    max_ = count_ == 1 ? estimate : std::max(max_, estimate);
  }
}

double NoiseVarianceEstimator::mean() const { return count_ > 0 ? mean_ : kNaN; }

double NoiseVarianceEstimator::max() const { return count_ > 0 ? max_ : kNaN; }

double NoiseVarianceEstimator::mean_ci95_half_width() const {
  if (count_ < 2) return kNaN;
  const auto degrees = static_cast<double>(count_ - 1);
  const boost::math::students_t distribution(degrees);
  const double quantile = boost::math::quantile(distribution, 0.975);
  const double standard_error = std::sqrt(m2_ / degrees / static_cast<double>(count_));
  return quantile * standard_error;
}

// ---------------------------------------------------------------------------------------------
// f*

void OptimumEstimateOptions::validate() const {
  if (max_iterations < 1 || max_iterations > 10'000'000) {
    throw invalid_option("estimators.optimum_iterations", max_iterations,
                         "must be in [1, 10000000]");
  }
  if (!(gradient_tolerance_sq >= 0.0)) {
    throw invalid_option("estimators.optimum_gradient_tolerance_sq", gradient_tolerance_sq,
                         "must be >= 0");
  }
}

ConstantValue estimate_optimum(const Problem& problem, std::span<const Vector> starts,
                               double smoothness, double best_known_value,
                               const OptimumEstimateOptions& options) {
  options.validate();
  if (starts.empty()) throw std::invalid_argument("estimate_optimum: no start points");
  const Index d = problem.dim();
  const double initial_step =
      std::isfinite(smoothness) && smoothness > 0.0 ? 1.0 / smoothness : 1.0;
  Vector x(d), candidate(d), gradient(d), scratch(d);
  double best =
      std::isfinite(best_known_value) ? best_known_value : std::numeric_limits<double>::infinity();
  std::string best_description = "the best f(x̄_t) of the trace";
  for (std::size_t start = 0; start < starts.size(); ++start) {
    x = starts[start];
    double value = problem.loss(x);
    if (!std::isfinite(value)) continue;
    double step = initial_step;
    int iteration = 0;
    double gradient_sq = 0.0;
    for (; iteration < options.max_iterations; ++iteration) {
      problem.full_gradient(x, gradient, scratch);
      gradient_sq = gradient.squaredNorm();
      if (gradient_sq <= options.gradient_tolerance_sq) break;
      // Armijo backtracking: halve η until f(x − η∇f) ≤ f(x) − ½η‖∇f‖² (sufficient decrease
      // holds for every η ≤ 1/L on an L-smooth f). The accepted η is retried next step.
      bool accepted = false;
      for (int halving = 0; halving < 60; ++halving) {
        candidate = x - step * gradient;
        const double candidate_value = problem.loss(candidate);
        if (candidate_value <= value - 0.5 * step * gradient_sq) {
          x.swap(candidate);
          value = candidate_value;
          accepted = true;
          break;
        }
        step *= 0.5;
      }
      if (!accepted) break;  // no decrease representable: x is stationary to rounding
    }
    if (value < best) {
      best = value;
      best_description = "gradient descent with Armijo backtracking from start " +
                         std::to_string(start) + " (" + std::to_string(iteration) +
                         " steps, final ||grad f||^2 = " + format_number(gradient_sq) + ")";
    }
  }
  return {.value = best,
          .source = ConstantSource::kEstimated,
          .method = "smallest f seen (an upper bound on f*): " + best_description};
}

}  // namespace dsgdlab
