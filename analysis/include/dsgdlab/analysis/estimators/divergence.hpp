#pragma once

/// Gradient divergences and model divergences (theory.md §4 "Divergences").
///
/// All of them are one quantity applied to different columns. For vectors v_1..v_n (the local
/// gradients ∇f_i(x), or the worker models x_i) and a hierarchy C_0 = singletons ⊂ C_1 ⊂ … ⊂
/// C_M = {all}, with v_C = (1/|C|) Σ_{i∈C} v_i the cluster mean, the level-ℓ spread is
///   S_ℓ(v) = Σ_{C∈C_{ℓ−1}} (|C|/n) ‖v_C − v_{parent(C)}‖²,   ℓ = 1..M,
/// and by Pythagoras (every v_C is the |·|-weighted mean of its children)
///   Σ_ℓ S_ℓ(v) = (1/n) Σ_i ‖v_i − v̄‖²   exactly.
/// With v_i = ∇f_i(x):
/// - Σ_ℓ S_ℓ = ζ²(x) = (1/n) Σ_i ‖∇f_i(x) − ∇f(x)‖² (uniform p);
/// - two levels (groups V_1..V_N): S_1 = ε_down²(x) = (1/n) Σ_j Σ_{i∈V_j} ‖∇f_i − ∇f_(j)‖², the
///   intra-group ("downward", worker ↔ local server) divergence, and S_2 = ε_up²(x) =
///   Σ_j (n_j/n) ‖∇f_(j) − ∇f‖², the inter-group ("upward", local ↔ global server) one;
/// - M levels: S_ℓ = ε_ℓ², and Σ_ℓ ε_ℓ² = ζ².
/// With v_i = x_i: Σ_ℓ S_ℓ = Ξ = (1/n) Σ_i ‖x_i − x̄‖², the consensus distance, split into
/// Ξ_intra = S_1 and Ξ_inter = S_2 for two levels.
/// For a uniformly random equal-size grouping E[ε_up²] = (N−1)/(n−1)·ζ² and
/// E[ε_down²] = (n−N)/(n−1)·ζ².

#include <span>
#include <vector>

#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/core/types.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

/// out.col(i) ← ∇f_i(x) for every worker i (out is d × n, caller-owned).
void local_gradients(const Problem& problem, ConstVectorRef x, MatrixRef out);

/// ζ²_p(x) = Σ_i p_i ‖g_i − g_p‖² with g_p = Σ_i p_i g_i, for the columns g_i of
/// `local_gradients` and weights p (n entries ≥ 0 summing to 1 within 1e-12; empty means
/// uniform 1/n). The p-weighted form is the heterogeneity of AD-PSGD's objective
/// f = Σ_i p_i f_i (theory.md §1). Throws std::invalid_argument for bad weights. Allocates a
/// d-vector; use HierarchicalSpread in loops.
double heterogeneity(ConstMatrixRef local_gradients, std::span<const double> weights = {});

/// Two-level split of the uniform spread of the columns: intra + inter = total.
struct GroupSplit {
  double total = 0.0;  ///< (1/n) Σ_i ‖v_i − v̄‖² (ζ² or Ξ)
  double intra_group = 0.0;  ///< S_1: (1/n) Σ_j Σ_{i∈V_j} ‖v_i − v_(j)‖² (ε_down² or Ξ_intra)
  double inter_group = 0.0;  ///< S_2: Σ_j (n_j/n) ‖v_(j) − v̄‖² (ε_up² or Ξ_inter)
};

/// The two-level split of the columns of `columns` (d × n) by `grouping` (n workers).
/// Throws std::invalid_argument when the sizes disagree.
GroupSplit group_split(ConstMatrixRef columns, const Grouping& grouping);

/// Evaluates the level spreads S_1..S_M of a fixed hierarchy repeatedly without allocating
/// (the cluster means of every level are preallocated). Not thread-safe; one per thread.
class HierarchicalSpread {
 public:
  /// For columns of dimension `dim` and the hierarchy (validated for its num_workers; M ≥ 1
  /// levels, M = 1 being the single all-workers cluster).
  HierarchicalSpread(const HierarchicalGrouping& hierarchy, Index dim);

  /// M, the number of values compute() writes.
  int num_levels() const;

  /// per_level[ℓ − 1] ← S_ℓ(columns) for ℓ = 1..M; returns their sum Σ_ℓ S_ℓ, which equals
  /// (1/n) Σ_i ‖v_i − v̄‖² up to rounding. `columns` is d × n; per_level has M entries.
  /// Cost O(d·n·M).
  double compute(ConstMatrixRef columns, std::span<double> per_level);

 private:
  HierarchicalGrouping hierarchy_;
  std::vector<Matrix> cluster_means_;  ///< level ℓ = 0..M: d × N_ℓ (level 0 unused)
  std::vector<Vector> cluster_sizes_;  ///< level ℓ = 0..M: |C| of each cluster (level 0 unused)
};

/// Allocating convenience: S_1..S_M of `columns` for `hierarchy`.
std::vector<double> level_spreads(ConstMatrixRef columns, const HierarchicalGrouping& hierarchy);

}  // namespace dsgdlab
