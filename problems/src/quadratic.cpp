#include "dsgdlab/problems/quadratic.hpp"

namespace dsgdlab {

QuadraticProblem::QuadraticProblem(const QuadraticOptions& options)
    : instance_(options, kName), minimizer_(instance_.weighted_center()) {
  optimum_value_ = loss(minimizer_);
}

double QuadraticProblem::local_loss(int worker, ConstVectorRef x) const {
  return instance_.quadratic_loss(worker, x);
}

void QuadraticProblem::local_gradient(int worker, ConstVectorRef x, VectorRef out) const {
  instance_.quadratic_gradient(worker, x, out);
}

void QuadraticProblem::stochastic_gradient(int worker, ConstVectorRef x, int batch_size,
                                           RandomStream& rng, VectorRef out) const {
  instance_.quadratic_gradient(worker, x, out);
  instance_.add_gradient_noise(batch_size, rng, out);
}

void QuadraticProblem::sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                                       VectorRef out) const {
  stochastic_gradient(worker, x, 1, rng, out);
}

std::optional<KnownConstant> QuadraticProblem::smoothness() const {
  return KnownConstant{.value = instance_.max_curvature(), .origin = ConstantOrigin::kExact};
}

std::optional<KnownConstant> QuadraticProblem::optimum_value() const {
  return KnownConstant{.value = optimum_value_, .origin = ConstantOrigin::kExact};
}

std::optional<KnownConstant> QuadraticProblem::noise_variance() const {
  return KnownConstant{.value = instance_.options().noise_variance,
                       .origin = ConstantOrigin::kExact};
}

std::optional<KnownConstant> QuadraticProblem::heterogeneity() const {
  const auto zeta_squared = instance_.heterogeneity();
  if (!zeta_squared) return std::nullopt;
  return KnownConstant{.value = *zeta_squared, .origin = ConstantOrigin::kExact};
}

std::string QuadraticProblem::describe() const {
  return std::string(kName) + ": " + instance_.describe();
}

}  // namespace dsgdlab
