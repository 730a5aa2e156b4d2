#pragma once

/// A one-hidden-layer perceptron with tanh units and softmax cross-entropy ("mlp"): the
/// "real" non-convex, non-quadratic problem of the zoo.
///
/// Sizes: p = features, H = hidden_units, K = dataset num_classes (≥ 2).
/// Parameter layout (x ∈ R^d, d = H·p + H + K·H + K), in this order:
///
///   x = [ vec(W1) (H×p, column-major: entry (h, j) at h + H·j),
///         b1      (H),
///         vec(W2) (K×H, column-major: entry (k, h) at H·p + H + k + K·h),
///         b2      (K) ].
///
/// Forward for sample (a, y):  u = W1 a + b1,  h = tanh(u),  z = W2 h + b2,
///   ℓ(x) = logsumexp(z) − z_y,  logsumexp(z) = max z + log Σ_k exp(z_k − max z).
/// Backward:  δz = softmax(z) − e_y;  ∇W2 = δz hᵀ;  ∇b2 = δz;
///   δu = (W2ᵀ δz) ⊙ (1 − h²);  ∇W1 = δu aᵀ;  ∇b1 = δu.
/// Regulariser r(x) = (λ/2)‖x‖² (weight_decay λ, all parameters, biases included), ∇r = λx.
///
/// smoothness() and optimum_value() are nullopt: ∇f_i is not globally Lipschitz (the Hessian
/// grows with the weights, e.g. ∂²ℓ/∂W1² scales with ‖W2‖²), and the infimum of the
/// non-convex training loss is unknown (it can approach 0 only as weights grow without bound
/// on separable data). Use the estimators for L and f*.
///
/// Scratch memory: a forward/backward pass needs vectors of size H and K. They live in a
/// thread_local buffer that is resized only when a larger H or K is first seen on that thread,
/// so the per-gradient hot path does not allocate after the first call on each thread, and
/// concurrent calls from different threads never share a buffer.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "dsgdlab/problems/finite_sum_problem.hpp"

namespace dsgdlab {

struct MlpOptions {
  /// H, the number of tanh units; default 32; ≥ 1.
  int hidden_units = 32;
  /// λ in r(x) = (λ/2)‖x‖²; default 0; finite and ≥ 0.
  double weight_decay = 0.0;
  /// Scale of the Glorot-style initial weights (see MlpProblem::initial_point); default 1;
  /// finite and > 0.
  double init_scale = 1.0;
  /// Seed of the initial-weight stream StreamKey{.seed = init_seed, .purpose =
  /// kInitialModel}; default 0.
  std::uint64_t init_seed = 0;

  /// Throws InputError naming the field ("mlp.hidden_units (0) must be at least 1").
  void validate() const;
};

class MlpProblem final : public FiniteSumProblem {
 public:
  /// Validates options, data set (it needs num_classes ≥ 2) and partition (InputError).
  MlpProblem(std::shared_ptr<const Dataset> data, Partition partition,
             const MlpOptions& options = {});

  std::string_view name() const override { return "mlp"; }
  /// d = H·p + H + K·H + K.
  Index dim() const override { return dim_; }

  /// Glorot-style random weights, deterministic in options().init_seed: from
  /// RandomStream(StreamKey{.seed = init_seed, .purpose = StreamPurpose::kInitialModel}),
  /// first the H·p entries of W1 in storage (column-major) order, each
  /// (init_scale/√p)·N(0, 1), then the K·H entries of W2 in storage order, each
  /// (init_scale/√H)·N(0, 1); b1 = 0 and b2 = 0 (no draws).
  Vector initial_point() const override;

  /// "mlp: 8 workers, 4000 samples, p = 20, H = 32, K = 10, d = 1034, weight_decay = 0".
  std::string describe() const override;

  const MlpOptions& options() const { return options_; }
  Index num_inputs() const { return inputs_; }
  Index num_hidden() const { return hidden_; }
  Index num_classes() const { return classes_; }

  /// Offsets of the blocks of x (see the layout in the file comment).
  Index w1_offset() const { return 0; }
  Index b1_offset() const { return hidden_ * inputs_; }
  Index w2_offset() const { return b1_offset() + hidden_; }
  Index b2_offset() const { return w2_offset() + classes_ * hidden_; }

 protected:
  double sample_loss(Index sample, ConstVectorRef x) const override;
  void add_sample_gradient(Index sample, ConstVectorRef x, double scale,
                           VectorRef out) const override;
  double regularizer(ConstVectorRef x) const override;
  void add_regularizer_gradient(ConstVectorRef x, VectorRef out) const override;

 private:
  MlpOptions options_;
  Index inputs_;
  Index hidden_;
  Index classes_;
  Index dim_;
};

}  // namespace dsgdlab
