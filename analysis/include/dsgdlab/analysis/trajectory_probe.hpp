#pragma once

/// The estimators that run at every trace checkpoint (theory.md §4), measured at the averaged
/// iterate x̄_t and written as extra trace columns (docs/estimators.md):
/// - `heterogeneity`: ζ²(x̄) = (1/n) Σ_i ‖∇f_i(x̄) − ∇f(x̄)‖², always;
/// - `heterogeneity_weighted`: ζ²_p(x̄) = Σ_i p_i ‖∇f_i(x̄) − ∇f_p(x̄)‖², asynchronous runs;
/// - `intra_group_divergence`, `inter_group_divergence`: ε_down²(x̄) (worker ↔ local server)
///   and ε_up²(x̄) (local ↔ global server), two-level groupings;
/// - `intra_group_consensus`, `inter_group_consensus`: Ξ_intra = (1/n) Σ_j Σ_{i∈V_j}
///   ‖x_i − x̄_(j)‖² and Ξ_inter = Σ_j (n_j/n) ‖x̄_(j) − x̄‖², two-level groupings;
/// - `level_<ℓ>_divergence`, `level_<ℓ>_consensus`, ℓ = 1..M: ε_ℓ²(x̄) and the level-ℓ part
///   of Ξ, groupings of M ≥ 3 levels;
/// - `noise_variance_mean`, `noise_variance_max`: mean and max over workers of the σ_i²(x̄)
///   estimates, when noise_samples > 0.
///
/// For asynchronous runs p_i is the fraction of updates applied by worker i so far (the
/// engine's live counts), or the nominal rates when the engine has no live counts (threads)
/// or nothing was applied yet.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/checkpoint_probe.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/analysis/estimators/constants.hpp"
#include "dsgdlab/analysis/estimators/divergence.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

struct TrajectoryProbeOptions {
  /// σ² per checkpoint from this many per-sample gradients per worker (S); 0 turns the σ²
  /// columns off. 0 ≤ S ≤ 10⁶. Default 4.
  int noise_samples = 4;

  /// Throws InputError naming "estimators.noise_samples".
  void validate() const;
};

class TrajectoryProbe final : public CheckpointProbe {
 public:
  /// `hierarchy`: the run's grouping (M ≥ 2 levels adds the divergence and consensus split
  /// columns), or nullopt. `nominal_weights`: p_i for asynchronous runs (n entries summing to
  /// 1), or empty for synchronous ones (no weighted column). `rng` draws the σ² samples
  /// (StreamPurpose::kEstimation). The problem must outlive the probe.
  TrajectoryProbe(const Problem& problem, std::optional<HierarchicalGrouping> hierarchy,
                  std::vector<double> nominal_weights, RandomStream rng,
                  const TrajectoryProbeOptions& options = {});

  std::span<const std::string> columns() const override { return columns_; }
  void measure(const CheckpointView& view, std::span<double> values) override;

  /// The σ² statistics over every checkpoint so far (count 0 when noise_samples = 0).
  const NoiseVarianceEstimator& noise_variance() const { return noise_; }
  /// M when divergence split columns are measured, 0 otherwise.
  int num_levels() const { return spread_ ? spread_->num_levels() : 0; }

 private:
  const Problem& problem_;
  TrajectoryProbeOptions options_;
  std::vector<double> nominal_weights_;
  std::vector<double> weights_;  ///< p at the current checkpoint
  RandomStream rng_;
  std::optional<HierarchicalSpread> spread_;
  NoiseVarianceEstimator noise_;
  Matrix local_gradients_;      ///< d × n: ∇f_i(x̄)
  std::vector<double> levels_;  ///< M spreads
  std::vector<double> noise_per_worker_;
  std::vector<std::string> columns_;
};

}  // namespace dsgdlab
