#include "dsgdlab/problems/mlp.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

/// Per-thread buffers for one forward/backward pass; they only grow (see the header).
struct MlpScratch {
  Vector hidden;        ///< h = tanh(W1 a + b1), size ≥ H
  Vector hidden_delta;  ///< δu, size ≥ H
  Vector logits;        ///< z, then δz, size ≥ K
};

MlpScratch& thread_scratch(Index hidden, Index classes) {
  thread_local MlpScratch scratch;
  if (scratch.hidden.size() < hidden) {
    scratch.hidden.resize(hidden);
    scratch.hidden_delta.resize(hidden);
  }
  if (scratch.logits.size() < classes) scratch.logits.resize(classes);
  return scratch;
}

const MlpOptions& validated(const MlpOptions& options) {
  options.validate();
  return options;
}

}  // namespace

void MlpOptions::validate() const {
  if (hidden_units < 1)
    throw invalid_option("mlp.hidden_units", hidden_units, "must be at least 1");
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay))
    throw invalid_option("mlp.weight_decay", weight_decay, "must be finite and non-negative");
  if (!(init_scale > 0.0) || !std::isfinite(init_scale))
    throw invalid_option("mlp.init_scale", init_scale, "must be finite and positive");
}

MlpProblem::MlpProblem(std::shared_ptr<const Dataset> data, Partition partition,
                       const MlpOptions& options)
    : FiniteSumProblem(std::move(data), std::move(partition)),
      options_(validated(options)),
      inputs_(dataset().num_features()),
      hidden_(options.hidden_units),
      classes_(dataset().num_classes),
      dim_(hidden_ * inputs_ + hidden_ + classes_ * hidden_ + classes_) {
  if (classes_ < 2) {
    throw invalid_option("dataset.num_classes", dataset().num_classes,
                         "must be at least 2 for the mlp problem (softmax over one class is "
                         "constant)");
  }
  if (inputs_ < 1) throw InputError("mlp: the data set has no features (p = 0)");
}

Vector MlpProblem::initial_point() const {
  RandomStream rng(StreamKey{.seed = options_.init_seed, .purpose = StreamPurpose::kInitialModel});
  Vector x = Vector::Zero(dim_);
  const double w1_scale = options_.init_scale / std::sqrt(static_cast<double>(inputs_));
  const double w2_scale = options_.init_scale / std::sqrt(static_cast<double>(hidden_));
  for (Index j = w1_offset(); j < b1_offset(); ++j) x[j] = w1_scale * rng.normal();
  for (Index j = w2_offset(); j < b2_offset(); ++j) x[j] = w2_scale * rng.normal();
  return x;
}

std::string MlpProblem::describe() const {
  char buffer[240];
  std::snprintf(buffer, sizeof(buffer),
                "mlp: %d workers, %lld samples, p = %lld, H = %lld, K = %lld, d = %lld, "
                "weight_decay = %g",
                num_workers(), static_cast<long long>(dataset().num_samples()),
                static_cast<long long>(inputs_), static_cast<long long>(hidden_),
                static_cast<long long>(classes_), static_cast<long long>(dim_),
                options_.weight_decay);
  return buffer;
}

double MlpProblem::sample_loss(Index sample, ConstVectorRef x) const {
  const Eigen::Map<const Matrix> w1(x.data() + w1_offset(), hidden_, inputs_);
  const auto b1 = x.segment(b1_offset(), hidden_);
  const Eigen::Map<const Matrix> w2(x.data() + w2_offset(), classes_, hidden_);
  const auto b2 = x.segment(b2_offset(), classes_);

  MlpScratch& scratch = thread_scratch(hidden_, classes_);
  auto h = scratch.hidden.head(hidden_);
  auto z = scratch.logits.head(classes_);
  h.noalias() = w1 * dataset().features.col(sample);
  h += b1;
  h = h.array().tanh().matrix();
  z.noalias() = w2 * h;
  z += b2;

  const double top = z.maxCoeff();
  const double log_sum_exp = top + std::log((z.array() - top).exp().sum());
  const int label = dataset().labels[static_cast<std::size_t>(sample)];
  return log_sum_exp - z[label];
}

void MlpProblem::add_sample_gradient(Index sample, ConstVectorRef x, double scale,
                                     VectorRef out) const {
  const Eigen::Map<const Matrix> w1(x.data() + w1_offset(), hidden_, inputs_);
  const auto b1 = x.segment(b1_offset(), hidden_);
  const Eigen::Map<const Matrix> w2(x.data() + w2_offset(), classes_, hidden_);
  const auto b2 = x.segment(b2_offset(), classes_);
  Eigen::Map<Matrix> grad_w1(out.data() + w1_offset(), hidden_, inputs_);
  auto grad_b1 = out.segment(b1_offset(), hidden_);
  Eigen::Map<Matrix> grad_w2(out.data() + w2_offset(), classes_, hidden_);
  auto grad_b2 = out.segment(b2_offset(), classes_);
  const auto a = dataset().features.col(sample);

  MlpScratch& scratch = thread_scratch(hidden_, classes_);
  auto h = scratch.hidden.head(hidden_);
  auto delta_u = scratch.hidden_delta.head(hidden_);
  auto z = scratch.logits.head(classes_);

  // Forward.
  h.noalias() = w1 * a;
  h += b1;
  h = h.array().tanh().matrix();
  z.noalias() = w2 * h;
  z += b2;

  // δz = scale·(softmax(z) − e_y), computed in place of z.
  const double top = z.maxCoeff();
  z = (z.array() - top).exp().matrix();
  z *= scale / z.sum();
  z[dataset().labels[static_cast<std::size_t>(sample)]] -= scale;

  // Backward.
  grad_w2.noalias() += z * h.transpose();
  grad_b2 += z;
  delta_u.noalias() = w2.transpose() * z;
  delta_u.array() *= 1.0 - h.array().square();
  grad_w1.noalias() += delta_u * a.transpose();
  grad_b1 += delta_u;
}

double MlpProblem::regularizer(ConstVectorRef x) const {
  if (options_.weight_decay == 0.0) return 0.0;
  return 0.5 * options_.weight_decay * x.squaredNorm();
}

void MlpProblem::add_regularizer_gradient(ConstVectorRef x, VectorRef out) const {
  if (options_.weight_decay == 0.0) return;
  out += options_.weight_decay * x;
}

}  // namespace dsgdlab
