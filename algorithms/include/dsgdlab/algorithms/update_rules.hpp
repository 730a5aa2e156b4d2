#pragma once

/// The arithmetic of every update rule of theory.md §2, written once. Engines decide when and
/// on which models these run; they never re-implement them. Each function fixes its summation
/// order, so the same inputs give the same bits in every engine.

#include <span>

#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// Local SGD step (every algorithm): x ← x − η·g.
void sgd_step(VectorRef model, ConstVectorRef gradient, double step);

/// Cluster average (AllReduce-SGD, local SGD, H-SGD): m = (Σ_{i ∈ members} x_i)/|members|,
/// summed in the order given (ascending ids by convention), then x_i ← m for every member.
/// The plain average keeps x̄ invariant (up to rounding). `scratch` has the models' rows.
void average_members(MatrixRef models, std::span<const int> members, VectorRef scratch);

/// The last step of a cluster average, for an engine whose sum Σ_{i ∈ C} x_i comes from
/// elsewhere (MPI_Allreduce): sum ← sum/|C|, the division average_members does.
void mean_from_sum(VectorRef sum, int members);

/// AD-PSGD pairwise averaging: x_a, x_b ← (x_a + x_b)/2; both get identical bits.
void average_pair(VectorRef a, VectorRef b);

/// D-PSGD gossip for one worker: out ← Σ_j W_ij x_j over the stored entries of column
/// `worker` of the symmetric W, in ascending j. `out` must not alias `models`.
void mix_worker(const SparseMatrix& mixing, int worker, ConstMatrixRef models, VectorRef out);

/// x̄ = (1/n) Σ_i x_i, summed in ascending i.
void average_columns(ConstMatrixRef models, VectorRef mean);

/// Ξ = (1/n) Σ_i ‖x_i − x̄‖² (theory.md §1, consensus distance).
double consensus_distance(ConstMatrixRef models, ConstVectorRef mean);

}  // namespace dsgdlab
