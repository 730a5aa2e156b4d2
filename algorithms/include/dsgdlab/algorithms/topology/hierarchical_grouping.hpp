#pragma once

/// Nested multi-level groupings for multi-level H-SGD (theory.md §2 "H-SGD, multi-level").
///
/// A hierarchy of M levels is a chain of partitions C_0 ⊂ C_1 ⊂ … ⊂ C_M of the n workers, each
/// refining the next: C_0 = the n singletons, C_M = {all workers}, and every cluster of C_ℓ lies
/// inside exactly one cluster of C_{ℓ+1}, its parent. With periods P_1 | … | P_M, after step
/// t+1 every cluster of C_{ℓ*} averages its members, ℓ* the largest level whose period divides
/// t+1. N_ℓ is the number of clusters at level ℓ (N_0 = n, N_M = 1); the multi-level
/// divergences ε_ℓ² = Σ_{C∈C_{ℓ−1}} (|C|/n) ‖∇f_C − ∇f_{parent(C)}‖² sum to ζ² (theory.md §4).
///
/// Only the intermediate levels C_1..C_{M−1} are stored; the singleton level C_0 and the
/// all-workers level C_M are implicit, so a two-level H-SGD grouping (groups, then everyone) is
/// a hierarchy with one stored level and M = 2, and local SGD is M = 1 with none.

#include <vector>

#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {

struct HierarchicalGrouping {
  /// n, the number of workers (needed for the implicit level 0 when no level is stored).
  int num_workers = 0;
  /// levels[ℓ − 1] = C_ℓ for ℓ = 1..M−1, finest first. Each is a canonical Grouping, so
  /// clusters are numbered by their smallest member at every level.
  std::vector<Grouping> levels;

  /// M: the level of the all-workers cluster (stored levels + 1).
  int num_levels() const { return static_cast<int>(levels.size()) + 1; }
  /// N_ℓ for ℓ = 0..M: n at level 0, 1 at level M. Throws std::out_of_range for other ℓ.
  int num_clusters(int level) const;
  /// The cluster of `worker` at level ℓ = 0..M (the worker itself at level 0, 0 at level M).
  int cluster_of(int level, int worker) const;
  /// The cluster at level ℓ + 1 that contains cluster `cluster` of level ℓ, for ℓ = 0..M−1.
  int parent(int level, int cluster) const;
  /// Level ℓ = 0..M as a Grouping, the implicit levels materialised (n singletons; one group).
  Grouping grouping_at(int level) const;

  /// Checks the hierarchy for n workers: num_workers == n, every stored level is a valid
  /// grouping of n workers, cluster counts do not increase n = N_0 ≥ N_1 ≥ … ≥ N_{M−1} ≥
  /// N_M = 1 (degenerate levels are allowed: they are H-SGD's special cases N = 1 and N = n),
  /// and every level-ℓ cluster lies inside one level-(ℓ+1) cluster. Throws InputError;
  /// a nesting error names the cluster and the two parents it straddles.
  void validate(int num_workers) const;
};

/// The nested grouping with cluster sizes s_1 < s_2 < … < s_{M−1} at levels 1..M−1, where
/// s_1 ≥ 2, s_ℓ | s_{ℓ+1} and s_{M−1} | n, s_{M−1} < n (so cluster counts N_ℓ = n/s_ℓ strictly
/// decrease). Workers are laid out in an order π (the identity, or with `random` a uniform
/// permutation drawn from `*rng` by Fisher–Yates) and level ℓ cuts π into consecutive blocks
/// of s_ℓ: contiguous rank blocks as in PyTorch's HierarchicalModelAverager, or a uniformly
/// random nested grouping. Example: n = 16, sizes {2, 8} gives 8 pairs inside 2 octets inside
/// all workers (M = 3). Empty sizes give M = 1 (local SGD). Throws InputError naming the bad
/// size (field grouping.cluster_sizes[ℓ−1]), or when `random` is true and `rng` is null.
HierarchicalGrouping nested_grouping(int num_workers, const std::vector<int>& cluster_sizes,
                                     bool random, RandomStream* rng);

/// The two-level hierarchy (M = 2) whose only stored level is `grouping`. One group or n
/// singleton groups are allowed (H-SGD then coincides with local SGD, theory.md §2).
HierarchicalGrouping from_two_level(const Grouping& grouping);

}  // namespace dsgdlab
