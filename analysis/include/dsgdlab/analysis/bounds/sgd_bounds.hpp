#pragma once

/// Bounds of the fully synchronous and the parameter-server algorithms (theory.md §5).

#include "dsgdlab/analysis/bounds/bound.hpp"

namespace dsgdlab {

/// SGD `[derived]` (standard non-convex SGD analysis): for η ≤ 1/L,
///   R(K) ≤ 2Δ/(ηK) + Lησ²/M.
/// Derivation in docs/theory.md §SGD. Uses one worker; `num_workers` is ignored.
Bound sgd_bound(const BoundConstants& constants, const BoundSchedule& schedule);

/// AllReduce-SGD `[derived]`: SGD on the exact average of n stochastic gradients, i.e. SGD
/// with batch nM: for η ≤ 1/L, R(K) ≤ 2Δ/(ηK) + Lησ²/(nM).
Bound allreduce_sgd_bound(const BoundConstants& constants, const BoundSchedule& schedule);

/// A-PSGD `[recalled]` (Lian, Huang, Li, Liu 2015, asynchronous parallel SGD for non-convex
/// optimisation, Theorem 1, constant step): with staleness bound T and Lη + 2L²T²η² ≤ 1 (mean
/// convention, η = Mγ),
///   R(K) ≤ 2Δ/(ηK) + Lησ²/M + 2L²Tη²σ²/M,   K the updates applied by the server.
/// theory.md §5 recalls the bound without the staleness term 2L²Tη²σ²/M (the paper's
/// 2σ²L²MTγ²); that form is violated by an exact linear example (docs/theory.md §4.1, tested
/// in test_sgd_bounds.cpp), so the term, as we recall the paper, is restored.
Bound apsgd_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                  int staleness_bound);

}  // namespace dsgdlab
