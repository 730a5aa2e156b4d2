#include "dsgdlab/analysis/estimators/spectral.hpp"

#include <Spectra/SymEigsSolver.h>

#include <Eigen/Eigenvalues>
#include <Eigen/SparseCholesky>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
constexpr double kInfinity = std::numeric_limits<double>::infinity();
/// Symmetry and row sums of W are checked to this absolute tolerance (the same 1e-12 as
/// validate_mixing_matrix: a row of k entries carries a rounding error of about k·1.1e-16).
constexpr double kMixingTolerance = 1e-12;
/// Initiator probabilities must sum to 1 within this (same argument as kMixingTolerance).
constexpr double kProbabilityTolerance = 1e-12;
/// A pivot of an LDLᵀ factorisation whose magnitude is at most this many times n·ε·max|A_ii|
/// is taken as zero: the factorisation of n rows accumulates rounding errors of about
/// n·ε·max|A_ii| in its pivots, so a smaller pivot cannot be told from an exactly singular
/// matrix.
constexpr double kSingularPivotFactor = 8.0;
/// Sparse, 1 + λ_n end (see smallest_end): restarts after which a Lanczos run that has not met
/// the residual test hands over to a check and bisection by inertia, when factorising is
/// expensive (a torus) or cheap (a ring) compared with a restart.
constexpr int kRestartsBeforeBisection = 30;
constexpr int kRestartsBeforeCheapBisection = 5;
/// Bisection by inertia is used only when 1 + λ_n is at least this many times ε·max|A_ii| /
/// tolerance, i.e. when the shifted factorisations resolve it to the requested relative
/// tolerance; otherwise the inverse iteration alone is trusted.
constexpr double kInertiaResolutionFactor = 1e3;
/// A Ritz pair reported converged must satisfy ‖op(u) − θu‖ ≤ this·tolerance·|θ| (Spectra's own
/// test is on an estimate of the same residual; the factor absorbs the rounding of one more
/// application of the operator).
constexpr double kRitzCheckFactor = 100.0;
/// The probe's Lanczos recurrence has broken down (an invariant Krylov subspace) when the new
/// direction, after reorthogonalisation, has norm ≤ this·ε times the operator's image.
constexpr double kBreakdownFactor = 1e3;
/// Default Lanczos basis size.
constexpr int kDefaultKrylovDimension = 20;

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

/// The matrix whose off-diagonal entries are −sign·W_ij and whose diagonal is
/// diagonal_weight·W_ii + Σ_{j≠i} W_ij, restricted to the first `size` rows and columns.
/// sign = +1, diagonal_weight = 0 gives the Laplacian I − W with row sums exactly zero (up to
/// the rounding of the sum itself, not of 1 − W_ii); sign = −1, diagonal_weight = 2 gives
/// I + W = diag(2W_ii + Σ_j W_ij) + offdiag(W), whose small diagonal excess 2W_ii is kept
/// exactly. Both are then exact functions of the off-diagonal weights, which is what lets the
/// sparse solver resolve 1 − λ_2 and 1 + λ_n in relative precision.
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

// ---------------------------------------------------------------------------------------------
// Operators for Spectra. Each maps 1⊥ to itself and annihilates 1, so the known eigenvector
// 1/√n of W never competes.

void remove_mean(Eigen::Ref<Vector> x) { x.array() -= x.mean(); }

using Ldlt = Eigen::SimplicialLDLT<SparseMatrix>;

/// L⁺ = pseudo-inverse of the Laplacian L = I − W: project x onto 1⊥, solve L y = x with
/// y_{n−1} = 0 (the grounded system L_g, the Laplacian without its last row and column, is
/// positive definite for a connected support), project y onto 1⊥.
class LaplacianPseudoInverse {
 public:
  using Scalar = double;
  LaplacianPseudoInverse(const Ldlt& grounded, Index n) : grounded_(grounded), n_(n) {}
  Index rows() const { return n_; }
  Index cols() const { return n_; }
  void perform_op(const double* x_in, double* y_out) const {
    Eigen::Map<const Vector> x(x_in, n_);
    Eigen::Map<Vector> y(y_out, n_);
    rhs_ = x.head(n_ - 1).array() - x.mean();
    y.head(n_ - 1) = grounded_.solve(rhs_);
    y(n_ - 1) = 0.0;
    remove_mean(y);
  }

 private:
  const Ldlt& grounded_;
  Index n_;
  mutable Vector rhs_;
};

/// (I + W)⁻¹ on 1⊥.
class SignlessInverse {
 public:
  using Scalar = double;
  SignlessInverse(const Ldlt& factor, Index n) : factor_(factor), n_(n) {}
  Index rows() const { return n_; }
  Index cols() const { return n_; }
  void perform_op(const double* x_in, double* y_out) const {
    Eigen::Map<const Vector> x(x_in, n_);
    Eigen::Map<Vector> y(y_out, n_);
    rhs_ = x.array() - x.mean();
    y = factor_.solve(rhs_);
    remove_mean(y);
  }

 private:
  const Ldlt& factor_;
  Index n_;
  mutable Vector rhs_;
};

/// W on 1⊥ (absolute precision; used only when W has an eigenvalue outside [−1, 1] besides 1,
/// which needs negative entries).
class DeflatedMixing {
 public:
  using Scalar = double;
  explicit DeflatedMixing(const SparseMatrix& w_sym) : w_(w_sym) {}
  Index rows() const { return w_.rows(); }
  Index cols() const { return w_.cols(); }
  void perform_op(const double* x_in, double* y_out) const {
    const Index n = w_.rows();
    Eigen::Map<const Vector> x(x_in, n);
    Eigen::Map<Vector> y(y_out, n);
    rhs_ = x.array() - x.mean();
    y.noalias() = w_ * rhs_;
    remove_mean(y);
  }

 private:
  const SparseMatrix& w_;
  mutable Vector rhs_;
};

/// SymEigsSolver that also gives the last Ritz pair when it did not converge (Spectra's
/// eigenvalues() and eigenvectors() return only converged pairs).
template <typename Op>
class LanczosSolver : public Spectra::SymEigsSolver<Op> {
 public:
  using Spectra::SymEigsSolver<Op>::SymEigsSolver;

  /// The extreme Ritz pair of the current Lanczos factorisation (largest when `largest`),
  /// vector of unit norm.
  std::pair<double, Vector> extreme_ritz_pair(bool largest) const {
    const Matrix& tridiagonal = this->m_fac.matrix_H();
    Eigen::SelfAdjointEigenSolver<Matrix> eigen(tridiagonal);
    const Index k = largest ? tridiagonal.rows() - 1 : 0;
    Vector vector = this->m_fac.matrix_V() * eigen.eigenvectors().col(k);
    vector.normalize();
    return {eigen.eigenvalues()(k), std::move(vector)};
  }
};

struct LanczosResult {
  double value = 0.0;  ///< the extreme Ritz value
  Vector vector;       ///< its Ritz vector, unit norm
  int restarts = 0;
  bool converged = false;
  std::string error;  ///< why a pair is unusable although Spectra may have said converged
};

/// A deterministic start vector in 1⊥ (xorshift64, entries uniform in [−½, ½), mean removed).
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

/// Plain Lanczos with full reorthogonalisation for up to ncv steps from a random vector of 1⊥.
/// When W has at most ncv distinct eigenvalues on 1⊥ (complete graphs, stars, small
/// hypercubes) the Krylov subspace becomes invariant, the recurrence breaks down exactly, and
/// the Ritz pairs of that subspace are exact eigenpairs: they are returned. Spectra 1.0's
/// implicitly restarted solver mishandles that breakdown (it can return a wrong pair or throw),
/// so it runs only when this probe finds no invariant subspace (nullopt).
template <typename Op>
std::optional<LanczosResult> invariant_krylov_subspace(const Op& op, Index ncv, bool largest) {
  const Index n = op.rows();
  Matrix basis(n, ncv);
  Matrix image(n, ncv);
  basis.col(0) = start_vector(n).normalized();
  Vector w(n);
  for (Index k = 0; k < ncv; ++k) {
    op.perform_op(basis.col(k).data(), w.data());
    image.col(k) = w;
    const double norm = w.norm();
    for (int pass = 0; pass < 2; ++pass) {
      w -= basis.leftCols(k + 1) * (basis.leftCols(k + 1).transpose() * w);
    }
    const double beta = w.norm();
    if (beta <= kBreakdownFactor * kEpsilon * norm) {
      const Index size = k + 1;
      Matrix projected = basis.leftCols(size).transpose() * image.leftCols(size);
      projected = (0.5 * (projected + projected.transpose())).eval();
      Eigen::SelfAdjointEigenSolver<Matrix> eigen(projected);
      const Index pick = largest ? size - 1 : 0;
      LanczosResult result;
      result.value = eigen.eigenvalues()(pick);
      result.vector = basis.leftCols(size) * eigen.eigenvectors().col(pick);
      result.vector.normalize();
      result.converged = true;
      return result;
    }
    if (k + 1 < ncv) basis.col(k + 1) = w / beta;
  }
  return std::nullopt;
}

/// Lanczos for the extreme eigenvalue of `op` (largest or smallest), resumable: advance() runs
/// more restarts of Spectra's implicitly restarted solver (each call restarts from the current
/// first Lanczos vector, the filtered start vector). The invariant-subspace probe runs first.
/// A pair that Spectra reports converged is checked against the operator (‖op(u) − θu‖ ≤
/// kRitzCheckFactor·tolerance·|θ|) and reported as not converged if it fails.
template <typename Op>
class LanczosRun {
 public:
  LanczosRun(const Op& op, Index ncv, bool largest, double tolerance)
      : op_(op), solver_(const_cast<Op&>(op), 1, ncv), largest_(largest), tolerance_(tolerance) {
    if (auto exact = invariant_krylov_subspace(op, ncv, largest)) {
      result_ = *std::move(exact);
      finished_ = true;
    } else {
      solver_.init();  // Spectra's deterministic random start vector
    }
  }

  /// Runs up to `restarts` more restarts (nothing once converged or failed).
  const LanczosResult& advance(int restarts) {
    if (finished_) return result_;
    const auto rule = largest_ ? Spectra::SortRule::LargestAlge : Spectra::SortRule::SmallestAlge;
    try {
      solver_.compute(rule, restarts, tolerance_, rule);
      result_.converged = solver_.info() == Spectra::CompInfo::Successful;
      result_.restarts = static_cast<int>(solver_.num_iterations());
      std::tie(result_.value, result_.vector) = solver_.extreme_ritz_pair(largest_);
    } catch (const std::exception& error) {
      // Spectra throws, e.g., when its tridiagonal eigensolver fails after a breakdown.
      result_.converged = false;
      result_.error = error.what();
      result_.value = std::numeric_limits<double>::quiet_NaN();
      result_.vector = Vector();
      finished_ = true;
      return result_;
    }
    // The eigenvector sought lies in 1⊥; drop the start vector's leftover along 1.
    remove_mean(result_.vector);
    if (result_.vector.norm() > 0.0) result_.vector.normalize();
    Vector image(result_.vector.size());
    op_.perform_op(result_.vector.data(), image.data());
    const double check = (image - result_.value * result_.vector).norm();
    if (result_.converged && !(check <= kRitzCheckFactor * tolerance_ * std::abs(result_.value))) {
      result_.converged = false;
      result_.error = "the Ritz pair it reported converged fails the residual check";
    }
    finished_ = result_.converged || !result_.error.empty();
    return result_;
  }

  LanczosResult& result() { return result_; }

 private:
  const Op& op_;
  LanczosSolver<Op> solver_;
  bool largest_;
  double tolerance_;
  bool finished_ = false;
  LanczosResult result_;
};

template <typename Op>
LanczosResult run_lanczos(const Op& op, Index ncv, bool largest, int max_restarts,
                          double tolerance) {
  LanczosRun<Op> run(op, ncv, largest, tolerance);
  run.advance(max_restarts);
  return std::move(run.result());
}

enum class Definiteness { kPositive, kSingular, kIndefinite };

/// Classifies a factorised symmetric matrix by its pivots (Sylvester's law of inertia: the
/// signs of D are the signs of the eigenvalues), treating pivots within the rounding error of
/// the factorisation as zero.
Definiteness classify(const Ldlt& factor, double max_diagonal, Index n) {
  if (factor.info() != Eigen::Success) return Definiteness::kSingular;
  const double threshold = kSingularPivotFactor * static_cast<double>(n) * kEpsilon * max_diagonal;
  const Vector pivots = factor.vectorD();
  if (pivots.minCoeff() < -threshold) return Definiteness::kIndefinite;
  if (pivots.cwiseAbs().minCoeff() <= threshold) return Definiteness::kSingular;
  return Definiteness::kPositive;
}

bool positive_definite(const Ldlt& factor) {
  return factor.info() == Eigen::Success && factor.vectorD().minCoeff() > 0.0;
}

double residual(const SparseMatrix& w_sym, const Vector& u, double lambda) {
  if (u.size() == 0) return 0.0;
  return (w_sym * u - lambda * u).norm();
}

Index krylov_dimension(const SpectralOptions& options, Index n) {
  if (options.krylov_dimension == 0) {
    return std::clamp<Index>(std::min<Index>(n - 1, kDefaultKrylovDimension), 2, n);
  }
  if (options.krylov_dimension > n - 1) {
    throw invalid_option(
        "spectral.krylov_dimension", options.krylov_dimension,
        "must be at most n − 1 = " + std::to_string(n - 1) + " for this mixing matrix");
  }
  return options.krylov_dimension;
}

std::string failure(std::string_view end, const LanczosResult& result, int restarts,
                    double tolerance) {
  if (!result.error.empty()) {
    return "Lanczos for " + std::string(end) + " failed after " + std::to_string(restarts) +
           " restarts (tolerance " + describe_value(tolerance) + "): " + result.error;
  }
  return "Lanczos for " + std::string(end) + " did not converge in " + std::to_string(restarts) +
         " restarts (tolerance " + describe_value(tolerance) + ")";
}

// ---------------------------------------------------------------------------------------------
// The solvers.

/// One end of the spectrum: `gap_part` is 1 − λ_2 or 1 + λ_n, `vector` its eigenvector (empty
/// when none was computed), `message` empty when converged.
struct EndEstimate {
  double gap_part = 0.0;
  Vector vector;
  int restarts = 0;
  std::string message;
};

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

/// Solves (T − shift·I) x = b in place for a symmetric tridiagonal T (diagonal `d`,
/// off-diagonal `e`) by Gaussian elimination with partial pivoting (LAPACK's dgtsv); a zero
/// pivot is replaced by `tiny`, as inverse iteration at an exact eigenvalue needs.
void solve_shifted_tridiagonal(const Vector& d, const Vector& e, double shift, double tiny,
                               Vector& b) {
  const Index m = d.size();
  Vector diag = d.array() - shift;
  Vector lower = e;  // becomes the second superdiagonal of U where rows are interchanged
  Vector upper = e;
  const auto pivot = [&](Index i) {
    if (diag(i) == 0.0) diag(i) = tiny;
  };
  for (Index i = 0; i + 1 < m; ++i) {
    if (std::abs(diag(i)) >= std::abs(lower(i))) {
      pivot(i);
      const double factor = lower(i) / diag(i);
      diag(i + 1) -= factor * upper(i);
      b(i + 1) -= factor * b(i);
      lower(i) = 0.0;
    } else {
      const double factor = diag(i) / lower(i);
      diag(i) = lower(i);
      const double next = diag(i + 1);
      diag(i + 1) = upper(i) - factor * next;
      if (i + 2 < m) {
        lower(i) = upper(i + 1);
        upper(i + 1) = -factor * lower(i);
      } else {
        lower(i) = 0.0;
      }
      upper(i) = next;
      const double bi = b(i);
      b(i) = b(i + 1);
      b(i + 1) = bi - factor * b(i + 1);
    }
  }
  pivot(m - 1);
  b(m - 1) /= diag(m - 1);
  if (m > 1) b(m - 2) = (b(m - 2) - upper(m - 2) * b(m - 1)) / diag(m - 2);
  for (Index i = m - 3; i >= 0; --i) {
    b(i) = (b(i) - upper(i) * b(i + 1) - lower(i) * b(i + 2)) / diag(i);
  }
}

MixingSpectrum dense_spectrum(const SparseMatrix& w_sym) {
  const Index n = w_sym.rows();
  // Deflate the known eigenvector q = 1/√n with the Householder reflection H = I − β v vᵀ,
  // v = q + e_0, which maps q to −e_0: H L H = [0 0; 0 B] and B holds the other n − 1
  // eigenvalues of L = I − W.
  const Matrix laplacian = Matrix(graph_matrix(w_sym, 1.0, 0.0, n));
  Vector v = Vector::Constant(n, 1.0 / std::sqrt(static_cast<double>(n)));
  v(0) += 1.0;
  const double beta = 2.0 / v.squaredNorm();
  const Vector p = beta * (laplacian * v);
  const Vector w = p - (0.5 * beta * p.dot(v)) * v;
  const Matrix reflected = laplacian - v * w.transpose() - w * v.transpose();
  // B = Q T Qᵀ (Householder tridiagonalisation), the eigenvalues of T by Eigen's
  // SelfAdjointEigenSolver, and only the two eigenvectors needed, by inverse iteration on T
  // mapped back through Q: O(n³) with a small constant instead of accumulating all n − 1
  // eigenvectors (0.2 s instead of 0.8 s at n = 1000).
  const Eigen::Tridiagonalization<Matrix> tridiagonal(reflected.bottomRightCorner(n - 1, n - 1));
  const Vector diagonal = tridiagonal.diagonal();
  const Vector off_diagonal = tridiagonal.subDiagonal();
  Eigen::SelfAdjointEigenSolver<Matrix> eigen;
  eigen.computeFromTridiagonal(diagonal, off_diagonal, Eigen::EigenvaluesOnly);
  const double scale = std::max(diagonal.cwiseAbs().maxCoeff(),
                                off_diagonal.size() > 0 ? off_diagonal.cwiseAbs().maxCoeff() : 0.0);
  const auto eigenvector = [&](double lambda) {
    Vector x = start_vector(n - 1);
    if (n - 1 == 1 || x.norm() == 0.0) x = Vector::Ones(n - 1);
    x.normalize();
    for (int i = 0; i < 3; ++i) {
      solve_shifted_tridiagonal(diagonal, off_diagonal, lambda, kEpsilon * scale, x);
      x.normalize();
    }
    Vector u = Vector::Zero(n);
    u.tail(n - 1) = tridiagonal.matrixQ() * x;
    u -= (beta * v.dot(u)) * v;  // undo the reflection
    return u;
  };
  const double one_minus_second = eigen.eigenvalues()(0);
  const double one_plus_smallest = 2.0 - eigen.eigenvalues()(n - 2);
  MixingSpectrum spectrum = assemble(n, EigenMethod::kDense, one_minus_second, one_plus_smallest);
  spectrum.residual =
      std::max(residual(w_sym, eigenvector(one_minus_second), spectrum.second_largest),
               residual(w_sym, eigenvector(eigen.eigenvalues()(n - 2)), spectrum.smallest));
  return spectrum;
}

/// 1 − λ_2 by Lanczos on L⁺ (relative precision), or, when L is not positive semidefinite
/// (W has an eigenvalue above 1), by Lanczos on W itself.
EndEstimate second_largest_end(const SparseMatrix& w_sym, const SpectralOptions& options,
                               Index ncv) {
  const Index n = w_sym.rows();
  const SparseMatrix grounded = graph_matrix(w_sym, 1.0, 0.0, n - 1);
  Ldlt factor(grounded);
  EndEstimate end;
  switch (classify(factor, grounded.diagonal().cwiseAbs().maxCoeff(), n)) {
    case Definiteness::kSingular:
      // L has a second zero eigenvalue within rounding: λ_2 = 1 to working precision.
      end.gap_part = 0.0;
      return end;
    case Definiteness::kIndefinite: {
      DeflatedMixing op(w_sym);
      LanczosResult r = run_lanczos(op, ncv, true, options.max_iterations, options.tolerance);
      end.gap_part = 1.0 - r.value;
      end.vector = std::move(r.vector);
      end.restarts = r.restarts;
      if (!r.converged) end.message = failure("λ_2", r, r.restarts, options.tolerance);
      return end;
    }
    case Definiteness::kPositive: break;
  }
  LaplacianPseudoInverse op(factor, n);
  LanczosResult r = run_lanczos(op, ncv, true, options.max_iterations, options.tolerance);
  end.gap_part = 1.0 / r.value;
  end.vector = std::move(r.vector);
  end.restarts = r.restarts;
  if (!r.converged) end.message = failure("1 − λ_2", r, r.restarts, options.tolerance);
  return end;
}

/// Flops of one numeric LDLᵀ factorisation (Σ_j c_j², c_j the nonzeros of column j of L)
/// compared with those of one Lanczos restart (ncv solves of 4·nnz(L) flops): whether
/// factorising again is cheaper than iterating. Deterministic, unlike a timing.
bool factorisation_is_cheap(const Ldlt& factor, Index ncv) {
  const auto& lower = factor.matrixL().nestedExpression();
  double factorisation = 0.0;
  for (Index j = 0; j < lower.outerSize(); ++j) {
    const double count =
        static_cast<double>(lower.outerIndexPtr()[j + 1] - lower.outerIndexPtr()[j]);
    factorisation += count * count;
  }
  const double restart = 4.0 * static_cast<double>(ncv) * static_cast<double>(lower.nonZeros());
  return factorisation <= restart;
}

/// s = 1 + λ_n, the smallest eigenvalue of A = I + W on 1⊥, by Lanczos on A⁻¹.
///
/// A cluster of eigenvalues next to s (a ring of 10⁵ workers has its next eigenvalue 2·10⁻⁹
/// away in relative terms) makes the residual test very slow although the Ritz value 1/θ ≥ s
/// is already accurate. So after kRestartsBeforeBisection restarts (kRestartsBeforeCheap-
/// Bisection when factorising is cheaper than a restart, as for a ring) without meeting the
/// residual test, the Ritz value is checked by inertia (Sylvester: the number of negative
/// pivots of the LDLᵀ factorisation of A − σI is the number of eigenvalues below σ): if A − σI
/// is positive definite at σ = (1 − tolerance)/θ, then s ∈ (σ, 1/θ], accurate to the
/// tolerance. Otherwise s is bracketed from the Ritz value and bisected by inertia until the
/// bracket's relative width is at most the tolerance. The eigenvector reported is then refined
/// by inverse iteration at the lower end of the bracket. Inertia resolves s only when
/// s·tolerance exceeds the rounding of the factorisation (kInertiaResolutionFactor); otherwise
/// Lanczos goes on to max_iterations and only the residual test counts.
///
/// A PSD A with a zero pivot gives s = 0 (λ_n = −1, e.g. a bipartite W with a zero diagonal);
/// an indefinite A (λ_n < −1, negative weights) is handled by Lanczos on W.
EndEstimate smallest_end(const SparseMatrix& w_sym, const SpectralOptions& options, Index ncv) {
  const Index n = w_sym.rows();
  const SparseMatrix signless = graph_matrix(w_sym, -1.0, 2.0, n);
  const double max_diagonal = signless.diagonal().cwiseAbs().maxCoeff();
  Ldlt factor(signless);
  EndEstimate end;
  switch (classify(factor, max_diagonal, n)) {
    case Definiteness::kSingular: end.gap_part = 0.0; return end;
    case Definiteness::kIndefinite: {
      DeflatedMixing op(w_sym);
      LanczosResult r = run_lanczos(op, ncv, false, options.max_iterations, options.tolerance);
      end.gap_part = 1.0 + r.value;
      end.vector = std::move(r.vector);
      end.restarts = r.restarts;
      if (!r.converged) end.message = failure("λ_n", r, r.restarts, options.tolerance);
      return end;
    }
    case Definiteness::kPositive: break;
  }
  const double tolerance = options.tolerance;
  const bool cheap = factorisation_is_cheap(factor, ncv);
  Ldlt shifted;
  shifted.analyzePattern(signless);
  const auto definite_below = [&](double sigma) {
    shifted.setShift(-sigma);
    shifted.factorize(signless);
    return positive_definite(shifted);
  };
  // Brackets s in [low, high], A − low·I positive definite and A − high·I not, starting at the
  // Ritz value, then bisects; leaves `shifted` factorised at the returned lower end.
  const auto bisect = [&](double upper) {
    double low = upper;
    double high = upper;
    double step = tolerance * upper;
    if (definite_below(upper)) {
      while (definite_below(high) && high < 4.0) {  // the Ritz value undershot 1/s by rounding
        low = high;
        high += step;
        step *= 2.0;
      }
    } else {
      while (low > 0.0 && !definite_below(low)) {
        high = low;
        low = std::max(0.0, low - step);
        step *= 2.0;
      }
    }
    for (int i = 0; i < 200 && high - low > tolerance * high; ++i) {
      const double middle = 0.5 * (low + high);
      if (middle <= low || middle >= high) break;
      (definite_below(middle) ? low : high) = middle;
    }
    definite_below(low);
    return std::pair{low, high};
  };
  // Three steps of inverse iteration with A − low·I (factorised in `shifted`) from the Ritz
  // vector: the eigenvector for s dominates once low is within the tolerance of s.
  const auto refine = [&](Vector vector) {
    for (int i = 0; i < 3 && vector.size() == n; ++i) {
      vector = shifted.solve(vector).eval();
      remove_mean(vector);
      vector.normalize();
    }
    return vector;
  };

  SignlessInverse op(factor, n);
  LanczosRun<SignlessInverse> run(op, ncv, true, tolerance);
  const int first = std::min(options.max_iterations,
                             cheap ? kRestartsBeforeCheapBisection : kRestartsBeforeBisection);
  {
    const LanczosResult& r = run.advance(first);
    end.restarts = r.restarts;
    end.gap_part = 1.0 / r.value;
    const double upper = 1.0 / r.value;
    if (!r.converged && r.error.empty() &&
        upper * tolerance >= kInertiaResolutionFactor * kEpsilon * max_diagonal) {
      if (definite_below(upper * (1.0 - tolerance))) {
        end.gap_part = upper;  // certified: s ∈ (upper·(1 − tolerance), upper]
      } else {
        const auto [low, high] = bisect(upper);
        end.gap_part = 0.5 * (low + high);
      }
      end.vector = refine(r.vector);
      return end;
    }
    if (!r.converged && r.error.empty() && options.max_iterations > first) {
      run.advance(options.max_iterations - first);
      end.restarts = run.result().restarts;
      end.gap_part = 1.0 / run.result().value;
    }
  }
  LanczosResult& r = run.result();
  end.vector = std::move(r.vector);
  if (!r.converged) end.message = failure("1 + λ_n", r, end.restarts, tolerance);
  return end;
}

MixingSpectrum sparse_spectrum(const SparseMatrix& w_sym, const SpectralOptions& options) {
  const Index n = w_sym.rows();
  const Index ncv = krylov_dimension(options, n);
  EndEstimate second = second_largest_end(w_sym, options, ncv);
  EndEstimate smallest = smallest_end(w_sym, options, ncv);
  MixingSpectrum spectrum = assemble(n, EigenMethod::kSparse, second.gap_part, smallest.gap_part);
  spectrum.iterations = second.restarts + smallest.restarts;
  spectrum.residual = std::max(residual(w_sym, second.vector, spectrum.second_largest),
                               residual(w_sym, smallest.vector, spectrum.smallest));
  std::string message = second.message;
  if (!smallest.message.empty()) message += (message.empty() ? "" : "; ") + smallest.message;
  if (!message.empty()) {
    spectrum.status = Status::failed(message + "; the numbers are the last estimates");
  }
  return spectrum;
}

void check_pair_probabilities(const Graph& graph, std::span<const double> pair_probabilities) {
  if (pair_probabilities.size() != graph.num_edges()) {
    throw InputError("pair probabilities: " + std::to_string(pair_probabilities.size()) +
                     " values for a graph with " + std::to_string(graph.num_edges()) + " edges");
  }
  const auto edges = graph.edges();
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const double pi = pair_probabilities[e];
    if (!(pi >= 0.0 && pi <= 1.0)) {
      throw InputError("pair probability of edge {" + std::to_string(edges[e].first) + ", " +
                       std::to_string(edges[e].second) + "} (" + describe_value(pi) +
                       ") must lie in [0, 1]");
    }
  }
}

}  // namespace

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

std::vector<double> adpsgd_pair_probabilities(const Graph& graph, PairingMode pairing,
                                              std::span<const double> initiator_probabilities) {
  const int n = graph.num_vertices();
  require_connected(graph);
  std::vector<double> p(static_cast<std::size_t>(n), 1.0 / n);
  if (!initiator_probabilities.empty()) {
    if (initiator_probabilities.size() != static_cast<std::size_t>(n)) {
      throw InputError(
          "initiator probabilities: " + std::to_string(initiator_probabilities.size()) +
          " values for a graph with " + std::to_string(n) + " workers");
    }
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
      const double value = initiator_probabilities[static_cast<std::size_t>(i)];
      if (!(std::isfinite(value) && value >= 0.0)) {
        throw InputError("initiator probability of worker " + std::to_string(i) + " (" +
                         describe_value(value) + ") must be finite and nonnegative");
      }
      sum += value;
    }
    if (!(std::abs(sum - 1.0) <= kProbabilityTolerance)) {
      throw InputError("initiator probabilities sum to " + describe_value(sum) +
                       " instead of 1 (tolerance " + describe_value(kProbabilityTolerance) + ")");
    }
    p.assign(initiator_probabilities.begin(), initiator_probabilities.end());
  }
  std::vector<int> side;
  if (pairing == PairingMode::kBipartite) {
    require_bipartite(graph);
    side = *bipartition(graph);
  }
  const auto edges = graph.edges();
  std::vector<double> pi;
  pi.reserve(edges.size());
  for (const auto& [i, j] : edges) {
    const double from_i = p[static_cast<std::size_t>(i)] / graph.degree(i);
    const double from_j = p[static_cast<std::size_t>(j)] / graph.degree(j);
    if (pairing == PairingMode::kBipartite) {
      pi.push_back(side[static_cast<std::size_t>(i)] == 0 ? from_i : from_j);
    } else {
      pi.push_back(from_i + from_j);
    }
  }
  return pi;
}

std::vector<double> measured_pair_probabilities(const Graph& graph,
                                                std::span<const std::int64_t> pair_counts,
                                                std::int64_t iterations) {
  if (pair_counts.size() != graph.num_edges()) {
    throw InputError("pair counts: " + std::to_string(pair_counts.size()) +
                     " counts for a graph with " + std::to_string(graph.num_edges()) + " edges");
  }
  if (iterations < 1) {
    throw InputError("pair counts: iterations (" + std::to_string(iterations) +
                     ") must be positive");
  }
  const auto edges = graph.edges();
  std::int64_t total = 0;
  for (std::size_t e = 0; e < pair_counts.size(); ++e) {
    if (pair_counts[e] < 0) {
      throw InputError("pair count of edge {" + std::to_string(edges[e].first) + ", " +
                       std::to_string(edges[e].second) + "} (" + std::to_string(pair_counts[e]) +
                       ") is negative");
    }
    total += pair_counts[e];
  }
  if (total > iterations) {
    throw InputError("pair counts sum to " + std::to_string(total) + ", more than the " +
                     std::to_string(iterations) + " iterations");
  }
  std::vector<double> pi;
  pi.reserve(pair_counts.size());
  for (const std::int64_t count : pair_counts) {
    pi.push_back(static_cast<double>(count) / static_cast<double>(iterations));
  }
  return pi;
}

SparseMatrix adpsgd_expected_mixing(const Graph& graph,
                                    std::span<const double> pair_probabilities) {
  check_pair_probabilities(graph, pair_probabilities);
  const int n = graph.num_vertices();
  std::vector<double> diagonal(static_cast<std::size_t>(n), 0.0);
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(2 * graph.num_edges() + static_cast<std::size_t>(n));
  const auto edges = graph.edges();
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const auto [i, j] = edges[e];
    const double half = 0.5 * pair_probabilities[e];
    triplets.emplace_back(i, j, half);
    triplets.emplace_back(j, i, half);
    diagonal[static_cast<std::size_t>(i)] += half;
    diagonal[static_cast<std::size_t>(j)] += half;
  }
  for (int i = 0; i < n; ++i) {
    triplets.emplace_back(i, i, 1.0 - diagonal[static_cast<std::size_t>(i)]);
  }
  SparseMatrix expected(n, n);
  expected.setFromTriplets(triplets.begin(), triplets.end());
  expected.makeCompressed();
  return expected;
}

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
