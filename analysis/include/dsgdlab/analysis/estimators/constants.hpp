#pragma once

/// Problem constants for the bounds (theory.md §1, §4 "Problem constants"): L, σ², ζ², f*, Δ.
/// Each value says where it came from: the problem's exact value, an analytic upper bound, or
/// an estimate from the run (ConstantSource). Bounds state which of their constants were
/// estimated.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/types.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

enum class ConstantSource {
  kExact,       ///< "exact": the problem knows the true value
  kUpperBound,  ///< "upper_bound": the problem knows an analytic upper bound
  kEstimated,   ///< "estimated": measured in this run (see `method`)
};
/// "exact", "upper_bound", "estimated".
std::string_view to_string(ConstantSource source);

struct ConstantValue {
  double value = 0.0;
  ConstantSource source = ConstantSource::kEstimated;
  /// How it was obtained, one line: "problem", "power iteration on finite-difference
  /// Hessian-vector products at 2 points × 8 workers (lower bound on L)", ...
  std::string method;
};

/// The problem's known constant as a ConstantValue (method "problem"), or nullopt.
std::optional<ConstantValue> from_problem(const std::optional<KnownConstant>& known);

// ---------------------------------------------------------------------------------------------
// L

struct SmoothnessEstimateOptions {
  /// Power iterations per (point, worker). ≥ 1. Default 50.
  int power_iterations = 50;
  /// Central difference step h·max(1, ‖x‖) for H v ≈ (∇f_i(x + h v) − ∇f_i(x − h v))/(2h).
  /// In (0, 1). Default 1e-5 (error O(h²) from third derivatives plus O(ε/h) rounding).
  double relative_step = 1e-5;

  void validate() const;
};

/// An estimate of L = max_i sup_x ‖∇²f_i(x)‖: for every point and worker, power iteration on
/// v ↦ H_i(x) v (finite differences of local_gradient) from a random start drawn from `rng`,
/// giving ‖H_i(x)‖₂; the maximum over points and workers. It is a lower bound on the true L
/// (a supremum over all x), tagged estimated. Requires at least one point of dimension d.
ConstantValue estimate_smoothness(const Problem& problem, std::span<const Vector> points,
                                  RandomStream& rng, const SmoothnessEstimateOptions& options = {});

// ---------------------------------------------------------------------------------------------
// σ²

/// Accumulates per-worker estimates of σ_i²(x) = E‖∇F(x; ξ) − ∇f_i(x)‖² at trajectory points.
/// One estimate is v = (1/S) Σ_{s<S} ‖∇F(x; ξ_s) − ∇f_i(x)‖² with S fresh per-sample gradients
/// (Problem::sample_gradient) and the exact local gradient, so E[v] = σ_i²(x) (unbiased).
class NoiseVarianceEstimator {
 public:
  /// `samples_per_estimate` = S ≥ 1 draws per (point, worker).
  NoiseVarianceEstimator(const Problem& problem, int samples_per_estimate);

  /// Estimates σ_i²(x) for every worker i at x (whose local gradients are the columns of
  /// `local_gradients`, d × n), drawing from `rng`; writes per_worker[i] (n entries) and adds
  /// them to the running statistics. Does not allocate.
  void measure(ConstVectorRef x, ConstMatrixRef local_gradients, RandomStream& rng,
               std::span<double> per_worker);

  /// Number of estimates v so far (points × workers).
  std::int64_t count() const { return count_; }
  /// Mean of all estimates (NaN before any): an estimate of the average of σ_i²(x) over the
  /// workers and points measured.
  double mean() const;
  /// Largest single estimate (NaN before any): an estimate of sup σ², biased upward by noise.
  double max() const;
  /// Half-width of the Student-t 95% interval of mean() from the spread of the estimates
  /// (NaN with fewer than 2). When σ_i²(x) is the same at every worker and point (a
  /// `quadratic` problem), the estimates are i.i.d. and mean() ± this covers σ².
  double mean_ci95_half_width() const;

 private:
  const Problem& problem_;
  int samples_;
  Vector sample_;
  std::int64_t count_ = 0;
  double mean_ = 0.0;  ///< Welford running mean
  double m2_ = 0.0;    ///< Welford sum of squared deviations
  double max_ = 0.0;
};

// ---------------------------------------------------------------------------------------------
// f* and Δ

struct OptimumEstimateOptions {
  /// Gradient-descent steps on f. ≥ 1. Default 2000.
  int max_iterations = 2000;
  /// Stop when ‖∇f‖² ≤ this. ≥ 0. Default 1e-20.
  double gradient_tolerance_sq = 1e-20;

  void validate() const;
};

/// An estimate of f* = inf f: deterministic gradient descent on f with Armijo backtracking
/// (initial step 1/L for the given L, halving until f decreases by at least ½η‖∇f‖²) from
/// each start point; the value is the smallest f seen, min'd with `best_known_value` (say the
/// smallest f(x̄) of the trace). An upper bound on f* for the problem (tagged estimated); the
/// method names the start, steps and final ‖∇f‖².
ConstantValue estimate_optimum(const Problem& problem, std::span<const Vector> starts,
                               double smoothness, double best_known_value,
                               const OptimumEstimateOptions& options = {});

}  // namespace dsgdlab
