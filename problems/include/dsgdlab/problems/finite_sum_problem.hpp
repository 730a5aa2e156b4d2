#pragma once

/// Data-driven (finite-sum) problems: worker i holds the samples S_i of a Dataset (given by a
/// Partition, n_i = |S_i|) and its local objective is the empirical risk
///
///   f_i(x) = (1/n_i) Σ_{s∈S_i} ℓ_s(x) + r(x),
///
/// with a per-sample loss ℓ_s and a regulariser r shared by all workers (default r = 0).
/// D_i is the uniform distribution on S_i, so F(x; ξ) = ℓ_ξ(x) + r(x) with ξ uniform on S_i
/// and the per-sample variance at x is exactly
///
///   σ_i²(x) = (1/n_i) Σ_{s∈S_i} ‖∇ℓ_s(x) − (1/n_i) Σ_{s'∈S_i} ∇ℓ_{s'}(x)‖²,
///
/// which local_sample_count / local_sample_gradient make computable exactly.

#include <memory>

#include "dsgdlab/problems/dataset.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

/// Abstract base of the data-driven problems. A derived class supplies the per-sample loss
/// ℓ_s and its gradient (and optionally r and ∇r); this class supplies the averaging, the
/// sampling and all argument checks.
///
/// Sampling contract (theory.md §1): stochastic_gradient draws M sample positions
/// k_1, …, k_M i.i.d. uniform on {0, …, n_i − 1} WITH replacement, in that order, each by one
/// call rng.uniform_index(n_i), and returns (1/M) Σ_m ∇ℓ_{S_i[k_m]}(x) + ∇r(x). Hence
/// E g_i(x) = ∇f_i(x) and E‖g_i(x) − ∇f_i(x)‖² = σ_i²(x)/M exactly. sample_gradient is the
/// same with M = 1 (one call of rng.uniform_index).
///
/// Thread safety: every method is const and keeps no mutable state, so concurrent calls are
/// safe whenever the derived class's hooks are (the zoo's are).
///
/// Allocation: local_loss, local_gradient, stochastic_gradient, sample_gradient and
/// local_sample_gradient write into the caller's buffer and allocate nothing themselves (a
/// derived class may keep a thread_local scratch that grows only; see MlpProblem).
class FiniteSumProblem : public Problem {
 public:
  /// Validates the data set (Dataset::validate), that `data` is not null and the partition
  /// (Partition::validate(N)); throws InputError naming the first violation.
  FiniteSumProblem(std::shared_ptr<const Dataset> data, Partition partition);

  int num_workers() const override { return partition_.num_workers(); }

  /// f_i(x) = (1/n_i) Σ_{s∈S_i} ℓ_s(x) + r(x).
  double local_loss(int worker, ConstVectorRef x) const override;
  /// out ← ∇f_i(x) = (1/n_i) Σ_{s∈S_i} ∇ℓ_s(x) + ∇r(x) (exact average over S_i).
  void local_gradient(int worker, ConstVectorRef x, VectorRef out) const override;
  /// out ← (1/M) Σ_{m<M} ∇ℓ_{S_i[k_m]}(x) + ∇r(x), k_m = rng.uniform_index(n_i) i.i.d.
  /// Throws std::invalid_argument if batch_size < 1.
  void stochastic_gradient(int worker, ConstVectorRef x, int batch_size, RandomStream& rng,
                           VectorRef out) const override;
  /// out ← ∇ℓ_{S_i[k]}(x) + ∇r(x), k = rng.uniform_index(n_i).
  void sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                       VectorRef out) const override;

  /// n_i = |S_i|, the number of samples worker i holds.
  Index local_sample_count(int worker) const;
  /// out ← ∇ℓ_{S_i[k]}(x) + ∇r(x), the gradient of worker i's k-th sample (0 ≤ k < n_i,
  /// in the partition's order), regulariser included. Averaging over k gives local_gradient.
  void local_sample_gradient(int worker, Index k, ConstVectorRef x, VectorRef out) const;

  const Dataset& dataset() const { return *data_; }
  const std::shared_ptr<const Dataset>& shared_dataset() const { return data_; }
  const Partition& partition() const { return partition_; }

 protected:
  /// ℓ_s(x) for sample s (a column index of dataset().features).
  virtual double sample_loss(Index sample, ConstVectorRef x) const = 0;
  /// out ← out + scale·∇ℓ_s(x). Must not allocate.
  virtual void add_sample_gradient(Index sample, ConstVectorRef x, double scale,
                                   VectorRef out) const = 0;
  /// r(x); default 0.
  virtual double regularizer(ConstVectorRef /*x*/) const { return 0.0; }
  /// out ← out + ∇r(x); default adds nothing.
  virtual void add_regularizer_gradient(ConstVectorRef /*x*/, VectorRef /*out*/) const {}

 private:
  /// S_i, after checking 0 ≤ worker < n (std::out_of_range otherwise).
  const std::vector<Index>& samples_of(int worker) const;
  /// Throws std::invalid_argument unless `size` equals dim().
  void check_size(const char* what, Index size) const;

  std::shared_ptr<const Dataset> data_;
  Partition partition_;
};

}  // namespace dsgdlab
