#pragma once

/// Private to dsgdlab::analysis, used by spectral_sparse.cpp: the operators the sparse solver
/// hands to Spectra and the Lanczos runs on them (the invariant-subspace probe, then Spectra's
/// implicitly restarted solver with a residual check of the pair it reports).

#include <Spectra/SymEigsSolver.h>

#include <Eigen/Eigenvalues>
#include <Eigen/SparseCholesky>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "dsgdlab/core/types.hpp"
#include "spectral_solvers.hpp"

namespace dsgdlab::spectral_detail {

/// A Ritz pair reported converged must satisfy ‖op(u) − θu‖ ≤ this·tolerance·|θ| (Spectra's own
/// test is on an estimate of the same residual; the factor absorbs the rounding of one more
/// application of the operator).
constexpr double kRitzCheckFactor = 100.0;
/// The probe's Lanczos recurrence has broken down (an invariant Krylov subspace) when the new
/// direction, after reorthogonalisation, has norm ≤ this·ε times the operator's image.
constexpr double kBreakdownFactor = 1e3;

// ---------------------------------------------------------------------------------------------
// Operators for Spectra. Each maps 1⊥ to itself and annihilates 1, so the known eigenvector
// 1/√n of W never competes.

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

}  // namespace dsgdlab::spectral_detail
