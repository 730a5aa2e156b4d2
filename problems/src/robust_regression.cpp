#include "dsgdlab/problems/robust_regression.hpp"

#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

const RobustRegressionOptions& validated(const RobustRegressionOptions& options) {
  options.validate();
  return options;
}

void require_finite_non_negative(const char* field, double value) {
  if (!(value >= 0.0) || !std::isfinite(value))
    throw invalid_option(field, value, "must be finite and non-negative");
}

}  // namespace

void RobustRegressionOptions::validate() const {
  if (!(scale > 0.0) || !std::isfinite(scale))
    throw invalid_option("robust_regression.scale", scale, "must be finite and positive");
}

RobustRegressionProblem::RobustRegressionProblem(std::shared_ptr<const Dataset> data,
                                                 Partition partition,
                                                 const RobustRegressionOptions& options)
    : FiniteSumProblem(std::move(data), std::move(partition)),
      options_(validated(options)),
      inverse_scale_squared_(1.0 / (options.scale * options.scale)) {
  if (dataset().targets.size() == 0) {
    throw InputError(
        "robust_regression needs regression targets, but dataset.targets is empty (use "
        "with_regression_targets to draw them)");
  }
  gram_ = local_gram_spectrum(dataset(), this->partition());
}

std::optional<KnownConstant> RobustRegressionProblem::smoothness() const {
  return KnownConstant{.value = 2.0 * inverse_scale_squared_ * gram_.value,
                       .origin = ConstantOrigin::kUpperBound};
}

std::string RobustRegressionProblem::describe() const {
  char buffer[200];
  std::snprintf(buffer, sizeof(buffer),
                "robust_regression: %d workers, %lld samples, p = %lld, scale = %g", num_workers(),
                static_cast<long long>(dataset().num_samples()), static_cast<long long>(dim()),
                options_.scale);
  return buffer;
}

double RobustRegressionProblem::sample_loss(Index sample, ConstVectorRef x) const {
  const double residual = dataset().features.col(sample).dot(x) - dataset().targets[sample];
  return std::log1p(residual * residual * inverse_scale_squared_);
}

void RobustRegressionProblem::add_sample_gradient(Index sample, ConstVectorRef x, double scale,
                                                  VectorRef out) const {
  const auto a = dataset().features.col(sample);
  const double residual = a.dot(x) - dataset().targets[sample];
  // dℓ/dρ = 2ρ/(c² + ρ²) = 2ρ·c⁻²/(1 + ρ²c⁻²).
  const double slope = 2.0 * residual * inverse_scale_squared_ /
                       (1.0 + residual * residual * inverse_scale_squared_);
  out += (scale * slope) * a;
}

void RegressionTargetOptions::validate() const {
  require_finite_non_negative("regression_targets.truth_scale", truth_scale);
  require_finite_non_negative("regression_targets.worker_shift", worker_shift);
  require_finite_non_negative("regression_targets.noise_stddev", noise_stddev);
  if (!(outlier_fraction >= 0.0 && outlier_fraction < 1.0))
    throw invalid_option("regression_targets.outlier_fraction", outlier_fraction,
                         "must lie in [0, 1)");
  require_finite_non_negative("regression_targets.outlier_scale", outlier_scale);
}

Dataset with_regression_targets(const Dataset& data, const Partition& partition,
                                const RegressionTargetOptions& options, RandomStream& rng) {
  options.validate();
  data.validate();
  partition.validate(data.num_samples());
  const Index p = data.num_features();
  const double per_coordinate = p > 0 ? 1.0 / std::sqrt(static_cast<double>(p)) : 0.0;

  Vector truth(p);
  rng.fill_normal(truth);
  truth *= options.truth_scale * per_coordinate;

  // Column i is worker i's ground truth w* + δ_i.
  Matrix worker_truths(p, partition.num_workers());
  for (Index i = 0; i < worker_truths.cols(); ++i) {
    rng.fill_normal(worker_truths.col(i));
    worker_truths.col(i) = truth + (options.worker_shift * per_coordinate) * worker_truths.col(i);
  }

  std::vector<int> owner(static_cast<std::size_t>(data.num_samples()), 0);
  for (std::size_t i = 0; i < partition.worker_samples.size(); ++i) {
    for (Index s : partition.worker_samples[i])
      owner[static_cast<std::size_t>(s)] = static_cast<int>(i);
  }

  Dataset result = data;
  result.targets.resize(data.num_samples());
  for (Index s = 0; s < data.num_samples(); ++s) {
    double target = data.features.col(s).dot(worker_truths.col(owner[static_cast<std::size_t>(s)]));
    target += options.noise_stddev * rng.normal();
    if (rng.uniform() < options.outlier_fraction) target += options.outlier_scale * rng.normal();
    result.targets[s] = target;
  }
  return result;
}

}  // namespace dsgdlab
