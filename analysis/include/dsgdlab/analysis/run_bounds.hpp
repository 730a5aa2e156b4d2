#pragma once

/// The bounds of theory.md §5 that apply to one finished run, evaluated with the run's
/// estimated constants (run_estimates.hpp) beside its measured R(K).
///
/// | algorithm     | bounds                                                               |
/// |---------------|----------------------------------------------------------------------|
/// | sgd           | sgd                                                                  |
/// | allreduce_sgd | allreduce_sgd                                                        |
/// | apsgd         | apsgd (T = the run's largest staleness)                              |
/// | dpsgd         | dpsgd_theorem, dpsgd_corollary (ρ = SLEM(W)²)                        |
/// | adpsgd        | adpsgd_theorem, adpsgd_corollary (ρ = λ_2 of the nominal E[W], T)    |
/// | local_sgd     | local_sgd                                                            |
/// | hsgd, M = 2   | hsgd_two_level, the random-grouping sandwich, hsgd_rate_corollary    |
/// | hsgd, M ≥ 3   | hsgd_multilevel, the random-grouping sandwich                        |
///
/// The sandwich adds Φ_{P_ℓ} for each distinct period (the longest is a bound on the run; the
/// others are references, RunBound::reference) and the random-grouping H-SGD value (a
/// reference).
///
/// Constants: L, σ², Δ from the estimates. The recalled gossip theorems assume a uniform bound
/// ζ² ≥ ζ²(x) and get the estimates' ζ² (exact when the problem knows it, else the largest
/// along the trajectory). The derived periodic-averaging bounds allow the divergences to be
/// replaced by their trajectory averages at x̄_t (docs/theory.md) and get the trace means of
/// `heterogeneity` and the divergence columns. A corollary is reported with its own step and
/// the condition that the run used that step.

#include <cstdint>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/analysis/bounds/bound.hpp"
#include "dsgdlab/analysis/run_estimates.hpp"

namespace dsgdlab {

/// One applicable bound and how the run compares with it.
struct RunBound {
  /// The bound at K = the run's last checkpoint.
  Bound bound;
  /// The bound at every trace checkpoint with K ≥ 1 (RunBounds::checkpoints); empty for a
  /// corollary, whose step depends on K.
  std::vector<double> curve;
  /// Measured R(K) at the last checkpoint, and bound/measured (> 1 when the bound holds).
  double measured = 0.0;
  double tightness = 0.0;
  /// R(k) ≤ bound(k) at every checkpoint of `curve` (or at the last one for a corollary);
  /// when false, the first iteration where it failed.
  bool holds_at_every_checkpoint = true;
  std::int64_t first_violation = -1;
  /// True for a comparison that is not a bound on this run: the lower rungs of the H-SGD
  /// sandwich (local SGD with a period shorter than the longest) and the H-SGD bound at a
  /// random grouping's expected divergences. Only Φ_{P_M}, the longest period's local SGD
  /// bound, bounds the H-SGD run whatever its grouping; a reference that R(K) exceeds is not a
  /// finding.
  bool reference = false;
};

struct RunBounds {
  /// Why no bound was evaluated, when none was (a non-constant step, σ² not measured, an
  /// invalid constant); empty otherwise.
  std::string note;
  /// The constants given to the bounds.
  BoundConstants constants;
  /// ρ and T when the algorithm needs them (NaN / −1 otherwise).
  double rho = 0.0;
  int staleness_bound = -1;
  /// Iterations K ≥ 1 of the trace checkpoints.
  std::vector<std::int64_t> checkpoints;
  std::vector<RunBound> bounds;
};

/// The applicable bounds of a finished run. Never throws for a run whose constants make the
/// bounds meaningless; says so in `note` instead.
RunBounds run_bounds(const RunSetup& setup, const RunResult& result, const RunEstimates& estimates);

}  // namespace dsgdlab
