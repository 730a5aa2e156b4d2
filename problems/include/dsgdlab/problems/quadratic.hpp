#pragma once

/// `quadratic`: heterogeneous diagonal quadratics with every constant known exactly.
///
/// f_i(x) = ½ (x − b_i)ᵀ A_i (x − b_i), A_i = diag(a_i), with curvatures a_i and centres b_i
/// drawn as described in diagonal_quadratic.hpp. Per-sample gradients are
/// ∇F(x; ξ) = A_i(x − b_i) + ξ, ξ ~ N(0, (σ²/d) I_d).
///
/// Exact constants:
/// - L = max_{i,j} a_ij (the largest eigenvalue of any A_i; attained);
/// - f(x) = Σ_j ½ ā_j (x_j − x*_j)² + f* with ā_j = (1/n) Σ_i a_ij, so the minimiser is
///   x*_j = Σ_i a_ij b_ij / Σ_i a_ij and f* = f(x*) (evaluated with the full formula);
/// - σ² = noise_variance (E‖ξ‖² = σ² at every x);
/// - ζ² = (1/n) Σ_i ‖A(b_i − b̄)‖² when every A_i equals one A (∇f_i − ∇f is then constant in x);
///   otherwise the supremum over x is infinite and heterogeneity() is nullopt.
///
/// Thread safety: every method is const and the object holds no mutable state, so any number of
/// threads may share one instance (each with its own RandomStream).

#include <optional>
#include <string>
#include <string_view>

#include "dsgdlab/problems/diagonal_quadratic.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

/// The quadratic problem's options are exactly the shared diagonal-quadratic options.
using QuadraticOptions = DiagonalQuadraticOptions;

class QuadraticProblem final : public Problem {
 public:
  static constexpr std::string_view kName = "quadratic";

  /// Validates the options (fields named "quadratic.…") and draws the instance.
  explicit QuadraticProblem(const QuadraticOptions& options = {});

  std::string_view name() const override { return kName; }
  Index dim() const override { return instance_.dim(); }
  int num_workers() const override { return instance_.num_workers(); }

  /// ½ Σ_j a_ij (x_j − b_ij)².
  double local_loss(int worker, ConstVectorRef x) const override;
  /// out ← A_i (x − b_i).
  void local_gradient(int worker, ConstVectorRef x, VectorRef out) const override;
  /// out ← A_i (x − b_i) + N(0, σ²/(d·M) I_d); draws d normals from `rng` when σ² > 0.
  /// Throws InputError if batch_size < 1.
  void stochastic_gradient(int worker, ConstVectorRef x, int batch_size, RandomStream& rng,
                           VectorRef out) const override;
  /// out ← A_i (x − b_i) + N(0, (σ²/d) I_d).
  void sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                       VectorRef out) const override;

  /// L = max_{i,j} a_ij, exact.
  std::optional<KnownConstant> smoothness() const override;
  /// f* = f(x*), exact.
  std::optional<KnownConstant> optimum_value() const override;
  /// σ² = noise_variance, exact.
  std::optional<KnownConstant> noise_variance() const override;
  /// ζ² exact when all curvatures are equal; nullopt (unbounded) otherwise.
  std::optional<KnownConstant> heterogeneity() const override;
  /// x*_j = Σ_i a_ij b_ij / Σ_i a_ij.
  std::optional<Vector> minimizer() const override { return minimizer_; }

  /// "quadratic: d=10, n=4, 1 group, curvature [0.1, 1] shared, …".
  std::string describe() const override;

  const DiagonalQuadraticInstance& instance() const { return instance_; }
  /// d × n curvature matrix (column i = diagonal of A_i).
  const Matrix& curvatures() const { return instance_.curvatures(); }
  /// d × n centre matrix (column i = b_i).
  const Matrix& centers() const { return instance_.centers(); }

 private:
  DiagonalQuadraticInstance instance_;
  Vector minimizer_;
  double optimum_value_ = 0.0;
};

}  // namespace dsgdlab
