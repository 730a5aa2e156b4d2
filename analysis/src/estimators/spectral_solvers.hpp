#pragma once

/// Private to dsgdlab::analysis: what the files of the spectral solver share (spectral.cpp,
/// spectral_dense.cpp, spectral_sparse.cpp). The building blocks are defined in spectral.cpp.

#include <limits>

#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/core/types.hpp"

namespace dsgdlab::spectral_detail {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

/// The matrix whose off-diagonal entries are −sign·W_ij and whose diagonal is
/// diagonal_weight·W_ii + Σ_{j≠i} W_ij, restricted to the first `size` rows and columns.
/// sign = +1, diagonal_weight = 0 gives the Laplacian I − W with row sums exactly zero (up to
/// the rounding of the sum itself, not of 1 − W_ii); sign = −1, diagonal_weight = 2 gives
/// I + W = diag(2W_ii + Σ_j W_ij) + offdiag(W), whose small diagonal excess 2W_ii is kept
/// exactly. Both are then exact functions of the off-diagonal weights, which is what lets the
/// sparse solver resolve 1 − λ_2 and 1 + λ_n in relative precision.
SparseMatrix graph_matrix(const SparseMatrix& w_sym, double sign, double diagonal_weight,
                          Index size);

/// x −= mean(x): the projection onto 1⊥.
void remove_mean(Eigen::Ref<Vector> x);

/// A deterministic start vector in 1⊥ (xorshift64, entries uniform in [−½, ½), mean removed).
Vector start_vector(Index n);

/// ‖W u − λu‖ (0 for an empty u, when no eigenvector was computed).
double residual(const SparseMatrix& w_sym, const Vector& u, double lambda);

/// The MixingSpectrum of W from 1 − λ_2 and 1 + λ_n (iterations, residual and status unset).
MixingSpectrum assemble(Index n, EigenMethod method, double one_minus_second,
                        double one_plus_smallest);

/// The dense solver (spectral_dense.cpp), for n ≥ 2.
MixingSpectrum dense_spectrum(const SparseMatrix& w_sym);

/// The sparse solver (spectral_sparse.cpp), for n ≥ 3.
MixingSpectrum sparse_spectrum(const SparseMatrix& w_sym, const SpectralOptions& options);

}  // namespace dsgdlab::spectral_detail
