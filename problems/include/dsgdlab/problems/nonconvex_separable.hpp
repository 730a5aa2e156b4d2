#pragma once

/// `nonconvex_separable`: diagonal quadratics plus a cosine ripple, non-convex, with every
/// constant known exactly.
///
/// f_i(x) = Σ_j [ ½ a_ij (x_j − b_ij)² + λ cos x_j ], λ = cosine_weight > curvature_min, with
/// curvatures a_i and centres b_i drawn as described in diagonal_quadratic.hpp (the same options
/// and seed give the same a_i, b_i as `quadratic`). Per-sample gradients are
/// ∇F(x; ξ) = ∇f_i(x) + ξ, ξ ~ N(0, (σ²/d) I_d).
///
/// Exact constants:
/// - L = max_{i,j} a_ij + λ: the Hessian of f_i is diag(a_ij − λ cos x_j), whose entries lie in
///   [a_ij − λ, a_ij + λ]; the bound is attained at x_j = π (mod 2π);
/// - f* by exact per-coordinate global minimisation (minimize_cosine_quadratic below):
///   f(x) = Σ_j h_j(x_j) + const with h_j(t) = ½ ā_j (t − c_j)² + λ cos t,
///   ā_j = (1/n) Σ_i a_ij, c_j = Σ_i a_ij b_ij / Σ_i a_ij; x*_j = argmin h_j and f* = f(x*)
///   evaluated with the full formula (so the constant is not lost);
/// - σ² = noise_variance;
/// - ζ²: the λ cos terms are common to all workers and cancel in ∇f_i − ∇f, so with equal
///   curvatures ζ² = (1/n) Σ_i ‖A(b_i − b̄)‖² exactly, as for `quadratic`; otherwise nullopt
///   (unbounded).
///
/// Thread safety: every method is const and the object holds no mutable state.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/problems/diagonal_quadratic.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

/// Largest allowed cosine_weight / curvature_min. The exact minimisation costs
/// O(λ/ā_j) root searches per coordinate; this cap keeps it well under a second for d ≤ 1000.
inline constexpr double kMaxCosineWeightRatio = 1e4;

/// Options: the shared diagonal-quadratic options plus the cosine weight.
///
/// | option        | default | range                                                   |
/// |---------------|---------|---------------------------------------------------------|
/// | instance      |         | see DiagonalQuadraticOptions                            |
/// | cosine_weight | 1.0     | curvature_min < λ ≤ kMaxCosineWeightRatio·curvature_min |
struct NonconvexSeparableOptions {
  /// Dimension, workers, curvatures, centres, noise and seed.
  DiagonalQuadraticOptions instance;
  /// λ, the weight of Σ_j cos x_j. Must exceed curvature_min: then every f_i has a coordinate
  /// whose curvature a_ij − λ cos x_j is negative at x_j = 0, so every f_i is non-convex.
  double cosine_weight = 1.0;

  /// Throws InputError naming the first invalid field ("nonconvex_separable.…").
  void validate() const;
};

/// The global minimum of h(t) = ½ a (t − c)² + λ cos t.
struct CosineQuadraticMinimum {
  /// t* = argmin h (the smallest value among the critical points).
  double argmin = 0.0;
  /// h(t*).
  double value = 0.0;
  /// Number of critical points found (roots of h'); 1 when h is convex.
  int num_critical_points = 0;
};

/// Global minimiser of h(t) = ½ a (t − c)² + λ cos t for a > 0, λ ≥ 0, finite c (otherwise
/// throws InputError naming the argument). Exact method:
/// 1. every critical point satisfies a(t − c) = λ sin t, so |t − c| ≤ λ/a; search
///    [c − λ/a − 1, c + λ/a + 1], at whose ends h' is strictly negative / positive (|h'| ≥ a);
/// 2. h'' = a − λ cos t vanishes where cos t = a/λ, i.e. at t = ±arccos(a/λ) + 2πk (only when
///    a ≤ λ); between consecutive such points h' is monotone, so each piece holds at most one
///    root;
/// 3. on each piece whose end values of h' differ in sign, bisect to machine precision (stop
///    when the midpoint equals an end of the bracket, so the bracket no longer shrinks); a piece
///    starting at an exact zero of h' contributes that point;
/// 4. evaluate h at every root (both ends of its final bracket, one ulp apart) and nothing else,
///    and return the smallest. The ends of the search interval cannot be minima (h' ≠ 0).
/// Cost: O((λ/a + 1) · 64) evaluations of sin; allocates a vector of the split points.
CosineQuadraticMinimum minimize_cosine_quadratic(double curvature, double center,
                                                 double cosine_weight);

class NonconvexSeparableProblem final : public Problem {
 public:
  static constexpr std::string_view kName = "nonconvex_separable";

  /// Validates the options and draws the instance; finds x* and f* (one 1-D minimisation per
  /// coordinate).
  explicit NonconvexSeparableProblem(const NonconvexSeparableOptions& options = {});

  std::string_view name() const override { return kName; }
  Index dim() const override { return instance_.dim(); }
  int num_workers() const override { return instance_.num_workers(); }

  /// Σ_j [½ a_ij (x_j − b_ij)² + λ cos x_j].
  double local_loss(int worker, ConstVectorRef x) const override;
  /// out_j ← a_ij (x_j − b_ij) − λ sin x_j.
  void local_gradient(int worker, ConstVectorRef x, VectorRef out) const override;
  /// out ← ∇f_i(x) + N(0, σ²/(d·M) I_d); draws d normals from `rng` when σ² > 0.
  /// Throws InputError if batch_size < 1.
  void stochastic_gradient(int worker, ConstVectorRef x, int batch_size, RandomStream& rng,
                           VectorRef out) const override;
  /// out ← ∇f_i(x) + N(0, (σ²/d) I_d).
  void sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                       VectorRef out) const override;

  /// L = max_{i,j} a_ij + λ, exact.
  std::optional<KnownConstant> smoothness() const override;
  /// f* = f(x*), exact (see minimize_cosine_quadratic).
  std::optional<KnownConstant> optimum_value() const override;
  /// σ² = noise_variance, exact.
  std::optional<KnownConstant> noise_variance() const override;
  /// ζ² exact when all curvatures are equal; nullopt (unbounded) otherwise.
  std::optional<KnownConstant> heterogeneity() const override;
  /// x*_j = argmin h_j.
  std::optional<Vector> minimizer() const override { return minimizer_; }

  /// "nonconvex_separable: d=10, n=4, …, cosine weight 1".
  std::string describe() const override;

  const NonconvexSeparableOptions& options() const { return options_; }
  const DiagonalQuadraticInstance& instance() const { return instance_; }
  /// d × n curvature matrix (column i = a_i).
  const Matrix& curvatures() const { return instance_.curvatures(); }
  /// d × n centre matrix (column i = b_i).
  const Matrix& centers() const { return instance_.centers(); }
  /// The 1-D minimum of h_j for every coordinate j.
  const std::vector<CosineQuadraticMinimum>& coordinate_minima() const {
    return coordinate_minima_;
  }

 private:
  NonconvexSeparableOptions options_;
  DiagonalQuadraticInstance instance_;
  std::vector<CosineQuadraticMinimum> coordinate_minima_;
  Vector minimizer_;
  double optimum_value_ = 0.0;
};

}  // namespace dsgdlab
