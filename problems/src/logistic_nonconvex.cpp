#include "dsgdlab/problems/logistic_nonconvex.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

/// log(1 + e^{−m}) without overflow: max(−m, 0) + log1p(e^{−|m|}).
double logistic_loss(double margin) {
  return std::max(-margin, 0.0) + std::log1p(std::exp(-std::abs(margin)));
}

/// σ(−m) = 1/(1 + e^{m}) without overflow: e^{−m}/(1 + e^{−m}) for m ≥ 0.
double sigmoid_of_negative(double margin) {
  if (margin >= 0.0) {
    const double e = std::exp(-margin);
    return e / (1.0 + e);
  }
  return 1.0 / (1.0 + std::exp(margin));
}

}  // namespace

void LogisticNonconvexOptions::validate() const {
  if (!(regularization >= 0.0) || !std::isfinite(regularization)) {
    throw invalid_option("logistic_nonconvex.regularization", regularization,
                         "must be finite and non-negative");
  }
}

LogisticNonconvexProblem::LogisticNonconvexProblem(std::shared_ptr<const Dataset> data,
                                                   Partition partition,
                                                   const LogisticNonconvexOptions& options)
    : FiniteSumProblem(std::move(data), std::move(partition)), options_(options) {
  options_.validate();
  signs_.reserve(dataset().labels.size());
  for (int label : dataset().labels) signs_.push_back(label % 2 == 1 ? 1.0 : -1.0);
  gram_ = local_gram_spectrum(dataset(), this->partition());
}

std::optional<KnownConstant> LogisticNonconvexProblem::smoothness() const {
  return KnownConstant{.value = 0.25 * gram_.value + 2.0 * options_.regularization,
                       .origin = ConstantOrigin::kUpperBound};
}

std::string LogisticNonconvexProblem::describe() const {
  char buffer[200];
  std::snprintf(buffer, sizeof(buffer),
                "logistic_nonconvex: %d workers, %lld samples, p = %lld, lambda = %g",
                num_workers(), static_cast<long long>(dataset().num_samples()),
                static_cast<long long>(dim()), options_.regularization);
  return buffer;
}

double LogisticNonconvexProblem::sample_loss(Index sample, ConstVectorRef x) const {
  const double margin = sign(sample) * dataset().features.col(sample).dot(x);
  return logistic_loss(margin);
}

void LogisticNonconvexProblem::add_sample_gradient(Index sample, ConstVectorRef x, double scale,
                                                   VectorRef out) const {
  const auto a = dataset().features.col(sample);
  const double y = sign(sample);
  const double margin = y * a.dot(x);
  out += (-scale * y * sigmoid_of_negative(margin)) * a;
}

double LogisticNonconvexProblem::regularizer(ConstVectorRef x) const {
  const double lambda = options_.regularization;
  if (lambda == 0.0) return 0.0;
  double total = 0.0;
  for (Index j = 0; j < x.size(); ++j) {
    // x²/(1 + x²), written as 1/(1 + 1/x²) for |x| > 1 so that x² = inf gives 1, not NaN.
    const double sq = x[j] * x[j];
    total += sq <= 1.0 ? sq / (1.0 + sq) : 1.0 / (1.0 + 1.0 / sq);
  }
  return lambda * total;
}

void LogisticNonconvexProblem::add_regularizer_gradient(ConstVectorRef x, VectorRef out) const {
  const double lambda = options_.regularization;
  if (lambda == 0.0) return;
  for (Index j = 0; j < x.size(); ++j) {
    const double q = 1.0 + x[j] * x[j];
    out[j] += 2.0 * lambda * x[j] / (q * q);
  }
}

}  // namespace dsgdlab
