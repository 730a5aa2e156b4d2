#pragma once

/// Bounds of periodic averaging (theory.md §5), all `[derived]` (docs/theory.md): local SGD,
/// two-level and multi-level H-SGD, the random-grouping sandwich and the H-SGD rate corollary.
///
/// They share one shape. Averaging keeps x̄, and the descent lemma at x̄ with η ≤ 1/L leaves
/// the consensus Ξ_t to bound; its level-ℓ part resets every P_ℓ steps, and within a window it
/// grows by noise and by drift. With κ = 2η²L² Σ_ℓ P_ℓ(P_ℓ − 1) < 1, the sum over the levels
/// that split something (N_{ℓ−1} > N_ℓ: a degenerate level has no consensus part to bound),
///   R(K) ≤ 2Δ/(ηK) + Lησ²/(nM) + (L²/(1 − κ))·{η²(σ²/M) Σ_ℓ (N_{ℓ−1} − N_ℓ)(P_ℓ − 1)/n
///                                              + 2η² Σ_ℓ P_ℓ(P_ℓ − 1) ε_ℓ²},
/// N_ℓ the number of clusters at level ℓ (N_0 = n, N_M = 1) and ε_ℓ² the level divergences
/// (divergence.hpp). Local SGD is M = 1 (ε_1² = ζ²), two-level H-SGD is M = 2 with
/// (P_1, P_2) = (I, G), ε_1² = ε_down², ε_2² = ε_up².

#include <cstdint>
#include <span>
#include <vector>

#include "dsgdlab/analysis/bounds/bound.hpp"

namespace dsgdlab {

/// Local SGD with period P `[derived]`: κ_P = 2η²L²P(P − 1) < 1 and η ≤ 1/L,
///   Φ_P = 2Δ/(ηK) + Lησ²/(nM) + (L²/(1 − κ_P))·{η²(σ²/M)(n − 1)(P − 1)/n + 2η²P(P − 1)ζ²}.
/// P = 1 is AllReduce-SGD's bound.
Bound local_sgd_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                      std::int64_t period);

/// Two-level H-SGD `[derived]`: local period I, global period G (a multiple of I), N groups,
/// divergences ε_down² (intra) and ε_up² (inter) (their trajectory averages at x̄_t may
/// replace the suprema). κ = 2η²L²[I(I − 1) + G(G − 1)] < 1, η ≤ 1/L, K a multiple of G:
///   R(K) ≤ 2Δ/(ηK) + Lησ²/(nM) + (L²/(1 − κ))·{η²(σ²/M)[(n − N)(I − 1) + (N − 1)(G − 1)]/n
///                                             + 2η²[I(I − 1)ε_down² + G(G − 1)ε_up²]}.
/// N = 1 gives Φ_I exactly and N = n gives Φ_G exactly (the degenerate level drops out of κ).
Bound hsgd_two_level_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                           std::int64_t local_period, std::int64_t global_period, int num_groups,
                           double intra_group_divergence, double inter_group_divergence);

/// Multi-level H-SGD `[derived]`: periods P_1 | … | P_M, cluster counts N_0 = n ≥ N_1 ≥ … ≥
/// N_M = 1 (M + 1 entries), level divergences ε_1²..ε_M² (M entries); κ_M = 2η²L²
/// Σ_ℓ P_ℓ(P_ℓ − 1) < 1, η ≤ 1/L, K a multiple of P_M. M = 2 is hsgd_two_level_bound.
/// Throws InputError when the sizes or the nesting of periods and counts are inconsistent.
Bound hsgd_multilevel_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                            std::span<const std::int64_t> periods,
                            std::span<const int> cluster_counts,
                            std::span<const double> level_divergences);

/// The sandwich of a random nested grouping `[derived]`: with the divergences replaced by their
/// expectations E[ε_ℓ²] = λ_ℓ ζ², λ_ℓ = (N_{ℓ−1} − N_ℓ)/(n − 1), and one common factor
/// 1/(1 − κ_M) for every bound, Φ_multi = Σ_ℓ λ_ℓ Φ_{P_ℓ} with Σ_ℓ λ_ℓ = 1, hence
/// Φ_{P_1} ≤ Φ_multi ≤ Φ_{P_M}. Two levels: λ = (n − N)/(n − 1), Φ_HSGD = λΦ_I + (1 − λ)Φ_G.
struct Sandwich {
  /// λ_ℓ, ℓ = 1..M.
  std::vector<double> weights;
  /// Φ_{P_ℓ}: local SGD with period P_ℓ, evaluated with the common κ_M; ℓ = 1..M.
  std::vector<Bound> local_sgd;
  /// Φ_multi (Φ_HSGD for M = 2) with the expected divergences.
  Bound hierarchical;
};
Sandwich random_grouping_sandwich(const BoundConstants& constants, const BoundSchedule& schedule,
                                  std::span<const std::int64_t> periods,
                                  std::span<const int> cluster_counts);

/// The step of the H-SGD rate corollary, η = √(nM/K)/L.
double hsgd_corollary_step(const BoundConstants& constants, std::int64_t iterations);

/// H-SGD rate corollary `[derived]`: at η = √(nM/K)/L and K ≥ 8nMG² (so that η ≤
/// 1/(2√2·L·G), κ ≤ ½ and 1/(1 − κ) ≤ 2),
///   R(K) ≤ (2LΔ + σ²)/√(nMK)
///          + (2nM/K)·{(σ²/M)[(n − N)(I − 1) + (N − 1)(G − 1)]/n
///                     + 2[I(I − 1)ε_down² + G(G − 1)ε_up²]},
/// the second line being the O(nG²/K) drift: O(1/√(nMK)), linear speedup in n.
Bound hsgd_rate_corollary(const BoundConstants& constants, std::int64_t iterations,
                          std::int64_t local_period, std::int64_t global_period, int num_groups,
                          double intra_group_divergence, double inter_group_divergence);

}  // namespace dsgdlab
