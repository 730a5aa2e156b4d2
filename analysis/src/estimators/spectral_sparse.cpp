// The sparse solver: 1 − λ_2 by Lanczos on the pseudo-inverse of the Laplacian I − W and
// 1 + λ_n by Lanczos on (I + W)⁻¹, with the inertia checks and bisection of the λ_n end.

#include <Eigen/SparseCholesky>
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/core/errors.hpp"
#include "spectral_lanczos.hpp"
#include "spectral_solvers.hpp"

namespace dsgdlab::spectral_detail {
namespace {

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
/// Default Lanczos basis size.
constexpr int kDefaultKrylovDimension = 20;

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

}  // namespace

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

}  // namespace dsgdlab::spectral_detail
