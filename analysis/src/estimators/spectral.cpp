// The public entry points of the spectral estimators (EigenMethod names, SpectralOptions,
// mixing_spectrum's dispatch to the dense or sparse solver, the ρ constants), the validation of
// W and the building blocks the solvers share. The solvers are in spectral_dense.cpp and
// spectral_sparse.cpp, AD-PSGD's pair probabilities and E[W] in adpsgd_mixing.cpp.

#include "dsgdlab/analysis/estimators/spectral.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/errors.hpp"
#include "spectral_solvers.hpp"

namespace dsgdlab {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
/// Symmetry and row sums of W are checked to this absolute tolerance (the same 1e-12 as
/// validate_mixing_matrix: a row of k entries carries a rounding error of about k·1.1e-16).
constexpr double kMixingTolerance = 1e-12;

std::string entry_name(Index i, Index j) {
  return "W(" + std::to_string(i) + "," + std::to_string(j) + ")";
}

// ---------------------------------------------------------------------------------------------
// Validation and the matrices built from W.

/// Checks W (square, finite, symmetric and stochastic within kMixingTolerance, connected
/// support) and returns its symmetric part (W + Wᵀ)/2, compressed.
SparseMatrix validated_symmetric_part(const SparseMatrix& mixing) {
  const std::string tolerance = " (tolerance " + describe_value(kMixingTolerance) + ")";
  if (mixing.rows() != mixing.cols()) {
    throw InputError("mixing matrix is not square: " + std::to_string(mixing.rows()) + " x " +
                     std::to_string(mixing.cols()));
  }
  if (mixing.rows() == 0) throw InputError("mixing matrix is empty (0 x 0)");
  SparseMatrix w = mixing;
  w.makeCompressed();
  const Index n = w.rows();
  Vector row_sums = Vector::Zero(n);
  for (Index k = 0; k < w.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(w, k); it; ++it) {
      if (!std::isfinite(it.value())) {
        throw InputError("mixing matrix has a non-finite entry: " + entry_name(it.row(), it.col()) +
                         " = " + describe_value(it.value()));
      }
      row_sums(it.row()) += it.value();
    }
  }
  for (Index k = 0; k < w.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(w, k); it; ++it) {
      const Index i = std::min(it.row(), it.col());
      const Index j = std::max(it.row(), it.col());
      if (i == j) continue;
      const double upper = w.coeff(i, j);
      const double lower = w.coeff(j, i);
      if (!(std::abs(upper - lower) <= kMixingTolerance)) {
        throw InputError("mixing matrix is not symmetric: " + entry_name(i, j) + " = " +
                         describe_value(upper) + " but " + entry_name(j, i) + " = " +
                         describe_value(lower) + tolerance);
      }
    }
  }
  for (Index i = 0; i < n; ++i) {
    if (!(std::abs(row_sums(i) - 1.0) <= kMixingTolerance)) {
      throw InputError("mixing matrix is not stochastic: row " + std::to_string(i) + " sums to " +
                       describe_value(row_sums(i)) + " instead of 1" + tolerance);
    }
  }
  const auto components = connected_components(support_graph(w));
  if (components.size() > 1) {
    throw InputError("mixing matrix: support is disconnected (" + describe_components(components) +
                     "); then ρ = 1 and no bound applies");
  }
  SparseMatrix transposed = w.transpose();
  SparseMatrix symmetric = 0.5 * (w + transposed);
  symmetric.makeCompressed();
  return symmetric;
}

}  // namespace

namespace spectral_detail {

SparseMatrix graph_matrix(const SparseMatrix& w_sym, double sign, double diagonal_weight,
                          Index size) {
  const Index n = w_sym.rows();
  Vector diagonal = Vector::Zero(n);
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(static_cast<std::size_t>(w_sym.nonZeros()));
  for (Index k = 0; k < w_sym.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(w_sym, k); it; ++it) {
      const Index i = it.row();
      const Index j = it.col();
      if (i == j) {
        diagonal(i) += diagonal_weight * it.value();
        continue;
      }
      diagonal(i) += it.value();
      if (i < size && j < size) triplets.emplace_back(i, j, -sign * it.value());
    }
  }
  for (Index i = 0; i < size; ++i) triplets.emplace_back(i, i, diagonal(i));
  SparseMatrix result(size, size);
  result.setFromTriplets(triplets.begin(), triplets.end());
  result.makeCompressed();
  return result;
}

void remove_mean(Eigen::Ref<Vector> x) { x.array() -= x.mean(); }

Vector start_vector(Index n) {
  Vector start(n);
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (Index i = 0; i < n; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    start(i) = static_cast<double>(state >> 11) * 0x1.0p-53 - 0.5;
  }
  remove_mean(start);
  return start;
}

double residual(const SparseMatrix& w_sym, const Vector& u, double lambda) {
  if (u.size() == 0) return 0.0;
  return (w_sym * u - lambda * u).norm();
}

MixingSpectrum assemble(Index n, EigenMethod method, double one_minus_second,
                        double one_plus_smallest) {
  MixingSpectrum spectrum;
  spectrum.num_workers = static_cast<int>(n);
  spectrum.method = method;
  spectrum.second_largest = 1.0 - one_minus_second;
  spectrum.smallest = one_plus_smallest - 1.0;
  spectrum.slem = std::max(std::abs(spectrum.second_largest), std::abs(spectrum.smallest));
  // 1 − SLEM = min(1 − λ_2, 1 + λ_n) whenever the eigenvalues lie in [−1, 1], and also beyond
  // (λ_2 > 1 or λ_n < −1 give a negative gap either way); taken from the small numbers.
  spectrum.spectral_gap = std::min(one_minus_second, one_plus_smallest);
  return spectrum;
}

}  // namespace spectral_detail

using spectral_detail::assemble;
using spectral_detail::dense_spectrum;
using spectral_detail::sparse_spectrum;

std::string_view to_string(EigenMethod method) {
  switch (method) {
    case EigenMethod::kAuto: return "auto";
    case EigenMethod::kDense: return "dense";
    case EigenMethod::kSparse: return "sparse";
  }
  return "unknown";
}

EigenMethod parse_eigen_method(std::string_view name, std::string_view field) {
  for (const EigenMethod method : {EigenMethod::kAuto, EigenMethod::kDense, EigenMethod::kSparse}) {
    if (to_string(method) == name) return method;
  }
  throw invalid_option(field, name, "is not a known eigen method (auto, dense, sparse)");
}

void SpectralOptions::validate() const {
  if (method != EigenMethod::kAuto && method != EigenMethod::kDense &&
      method != EigenMethod::kSparse) {
    throw invalid_option("spectral.method", static_cast<int>(method),
                         "is not a known eigen method (auto, dense, sparse)");
  }
  if (dense_max_workers < 1) {
    throw invalid_option("spectral.dense_max_workers", dense_max_workers, "must be at least 1");
  }
  if (!(tolerance > 0.0 && tolerance < 1.0)) {
    throw invalid_option("spectral.tolerance", tolerance, "must lie in (0, 1)");
  }
  if (max_iterations < 1) {
    throw invalid_option("spectral.max_iterations", max_iterations, "must be at least 1");
  }
  if (krylov_dimension != 0 && krylov_dimension < 3) {
    throw invalid_option("spectral.krylov_dimension", krylov_dimension,
                         "must be 0 (automatic) or at least 3");
  }
}

MixingSpectrum mixing_spectrum(const SparseMatrix& mixing, const SpectralOptions& options) {
  options.validate();
  const SparseMatrix w_sym = validated_symmetric_part(mixing);
  const Index n = w_sym.rows();
  const bool dense = options.method == EigenMethod::kDense ||
                     (options.method == EigenMethod::kAuto && n <= options.dense_max_workers);
  if (n == 1) {
    // No second eigenvalue: λ_2 = 1 by convention (no gap); λ_n = W_00 = 1.
    MixingSpectrum spectrum =
        assemble(1, dense ? EigenMethod::kDense : EigenMethod::kSparse, 0.0, 2.0);
    spectrum.smallest = 1.0;
    spectrum.slem = 1.0;
    spectrum.spectral_gap = 0.0;
    return spectrum;
  }
  // With n = 2 the complement of 1 is one-dimensional: Lanczos has nothing to iterate on.
  if (dense || n == 2) return dense_spectrum(w_sym);
  return sparse_spectrum(w_sym, options);
}

double dpsgd_rho(const MixingSpectrum& spectrum) { return spectrum.slem * spectrum.slem; }

double adpsgd_rho(const MixingSpectrum& expected_mixing_spectrum) {
  return expected_mixing_spectrum.slem;
}

double adpsgd_rho_bar(double rho, int num_workers) {
  if (!(rho >= 0.0 && rho <= 1.0)) {
    throw invalid_option("rho", rho, "must lie in [0, 1]");
  }
  if (num_workers < 1) throw invalid_option("num_workers", num_workers, "must be at least 1");
  if (rho == 1.0) return kInfinity;
  const double root = std::sqrt(rho);
  // 1 − √ρ = (1 − ρ)/(1 + √ρ), and 1 − ρ is exact for ρ ≥ ½ (Sterbenz).
  const double one_minus_root = (1.0 - rho) / (1.0 + root);
  const double n = num_workers;
  return ((n - 1.0) / n) * (1.0 / (1.0 - rho) + 2.0 * root / (one_minus_root * one_minus_root));
}

}  // namespace dsgdlab
