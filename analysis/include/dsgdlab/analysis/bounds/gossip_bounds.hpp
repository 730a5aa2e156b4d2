#pragma once

/// Bounds of decentralised gossip SGD (theory.md §5): D-PSGD (Lian et al. 2017) and AD-PSGD
/// (Lian et al. 2018), both `[recalled]`, converted to the toolkit's conventions.

#include "dsgdlab/analysis/bounds/bound.hpp"

namespace dsgdlab {

/// D-PSGD, Theorem 1 of Lian et al. 2017 `[recalled]`. The paper's σ² is the variance of the
/// stochastic gradient a worker uses per step, so σ_M² = σ²/M replaces it; its γ is η. With
///   D_2 = 1 − 18η²nL²/(1 − √ρ)²,   D_1 = ½ − 9η²L²n/((1 − √ρ)² D_2),
/// the theorem bounds (1/K)[((1 − ηL)/2) Σ E‖∂f(X_k)1/n‖² + D_1 Σ E‖∇f(x̄_k)‖²] by
///   Δ/(ηK) + ηLσ_M²/(2n) + η²L²nσ_M²/((1 − ρ)D_2) + 9η²L²nζ²/((1 − √ρ)² D_2).
/// For ηL ≤ 1 the first term on the left is non-negative, so R(K) ≤ (right side)/D_1.
/// Conditions: ρ < 1, ηL ≤ 1, D_2 > 0, D_1 > 0. ρ = SLEM(W)² (spectral.hpp dpsgd_rho).
Bound dpsgd_theorem(const BoundConstants& constants, const BoundSchedule& schedule, double rho);

/// The step of D-PSGD's corollary, η = 1/(2L + σ_M √(K/n)).
double dpsgd_corollary_step(const BoundConstants& constants, std::int64_t iterations);

/// D-PSGD's corollary `[recalled]`: at η = dpsgd_corollary_step,
///   R(K) ≤ 8ΔL/K + (8Δ + 4L)σ_M/√(Kn),
/// provided K ≥ 4L⁴n⁵/(σ_M⁶(Δ + L)²)·(σ_M²/(1 − ρ) + 9ζ²/(1 − √ρ)²)² and
/// K ≥ 72L²n²/(σ_M²(1 − √ρ)²) (the two conditions; both fail when σ = 0).
Bound dpsgd_corollary(const BoundConstants& constants, std::int64_t iterations, double rho);

/// The theorem constants of AD-PSGD (Lian et al. 2018, Theorem 1) in the paper's sum
/// convention, step γ = η/M:
///   ρ̄ = ((n−1)/n)(1/(1−ρ) + 2√ρ/(1−√ρ)²);
///   C_1 = 1 − 24M²L²γ²(T(n−1)/n + ρ̄);
///   C_2 = γM/(2n) − γ²LM²/n² − 2M³L²T²γ³/n³
///         − (6γ²L³M²/n² + γML²/n + 12M³L⁴T²γ³/n³)·4M²γ²(T(n−1)/n + ρ̄)/C_1;
///   C_3 = ½ + 2(6γ²L²M² + γnML + 12M³L⁴T²γ³/n)ρ̄/(n²C_1) + LT²γM/n
/// (the placement of n² in C_3 is the least certain constant of the recalled theorem).
struct AdpsgdConstants {
  double rho_bar = 0.0;
  double c1 = 0.0;
  double c2 = 0.0;
  double c3 = 0.0;
};
AdpsgdConstants adpsgd_constants(const BoundConstants& constants, double paper_step, double rho,
                                 int staleness_bound);

/// AD-PSGD, Theorem 1 `[recalled]`: if C_1 > 0, C_2 ≥ 0 and C_3 ≤ 1,
///   R(K) ≤ 2nΔ/(γKM) + 2γL(σ² + 6Mζ²)/n = 2nΔ/(ηK) + (2ηL/n)(σ²/M + 6ζ²),
/// K the updates of all workers, ζ² p-weighted, ρ = λ_2(E[W_kᵀW_k]) (spectral.hpp adpsgd_rho),
/// T the staleness bound.
Bound adpsgd_theorem(const BoundConstants& constants, const BoundSchedule& schedule, double rho,
                     int staleness_bound);

/// The step of AD-PSGD's corollary in the mean convention: η = Mγ with
/// γ = n/(10ML + √((σ² + 6Mζ²)KM)).
double adpsgd_corollary_step(const BoundConstants& constants, std::int64_t iterations);

/// AD-PSGD's corollary `[recalled]`: at η = adpsgd_corollary_step,
///   R(K) ≤ 20ΔL/K + 2(Δ + L)√(σ² + 6Mζ²)/√(KM),
/// "for K large enough": the conditions are C_1..C_3 evaluated at that step.
Bound adpsgd_corollary(const BoundConstants& constants, std::int64_t iterations, double rho,
                       int staleness_bound);

}  // namespace dsgdlab
