#pragma once

/// Everything the theory is written in, estimated for one finished run (theory.md §4): the
/// problem constants L, σ², ζ², f*, Δ with where each came from, trajectory statistics of the
/// per-checkpoint estimates, and the spectral quantities of the run's topology. summary.json
/// reports all of it; the bounds (theory.md §5) take their constants from here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/analysis/estimators/constants.hpp"
#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/analysis/trajectory_probe.hpp"

namespace dsgdlab {

/// The [estimators] section of a run configuration.
struct EstimatorOptions {
  TrajectoryProbeOptions trajectory;
  SmoothnessEstimateOptions smoothness;
  OptimumEstimateOptions optimum;
  SpectralOptions spectral;

  /// Validates every part (fields named "estimators.…" and "spectral.…").
  void validate() const;
};

/// p_i of asynchronous algorithms from the cost model: the rate of worker i's gradients,
/// 1/(c·s_i), normalised (theory.md §1: p_i = probability that the next update comes from
/// worker i). Communication time and the random factor Z (mean 1) are ignored, so this is the
/// nominal value; measured values come from the run's update counts.
std::vector<double> nominal_update_probabilities(const CostModelOptions& cost, int num_workers);

/// Mean, maximum and last value of one trace column over the checkpoints (NaN entries, say
/// from a diverged run, are skipped; all NaN when none is finite).
struct TrajectoryStatistic {
  std::string column;
  double mean = 0.0;
  double max = 0.0;
  double final = 0.0;
  std::int64_t points = 0;  ///< finite values used
};

/// One spectrum: the matrix it belongs to and the ρ the algorithm's theorem uses.
struct SpectrumEstimate {
  /// "W" (D-PSGD), "E[W] nominal" or "E[W] measured" (AD-PSGD).
  std::string matrix;
  MixingSpectrum spectrum;
  /// D-PSGD: SLEM²; AD-PSGD: λ_2(E[W]).
  double rho = 0.0;
  /// AD-PSGD: ρ̄ (theory.md §5); NaN for D-PSGD.
  double rho_bar = 0.0;
};

struct RunEstimates {
  /// L: the problem's value when it knows one, else the finite-difference estimate.
  ConstantValue smoothness;
  /// σ²: the problem's value when it knows one, else the largest per-worker estimate at a
  /// checkpoint (noise_variance_max). Unknown (NaN, estimated) when σ² was not sampled.
  ConstantValue noise_variance;
  /// σ² measured along the trajectory: mean over (checkpoint, worker) estimates, its 95%
  /// Student-t half-width, the largest estimate and the number of estimates.
  double noise_variance_mean = 0.0;
  double noise_variance_mean_ci95 = 0.0;
  double noise_variance_max = 0.0;
  std::int64_t noise_variance_count = 0;
  /// ζ²: the problem's known supremum, else the largest ζ²(x̄_t) along the trajectory
  /// (estimated: a lower bound on sup_x ζ²(x)).
  ConstantValue heterogeneity;
  /// f*: the problem's value, else gradient descent from x̄_K and x_0 (estimated).
  ConstantValue optimum_value;
  /// f(x_0), always computed exactly.
  double initial_loss = 0.0;
  /// Δ = f(x_0) − f*, exact when f* is.
  ConstantValue initial_gap;
  /// Statistics of every extra trace column (heterogeneity, divergences, consensus split, σ²).
  std::vector<TrajectoryStatistic> trajectory;
  /// D-PSGD: W. AD-PSGD: nominal and measured E[W]. Empty for the others.
  std::vector<SpectrumEstimate> spectra;
};

/// The statistic of trace column `column`, or null when the run has no such column.
const TrajectoryStatistic* find_trajectory_statistic(const RunEstimates& estimates,
                                                     std::string_view column);

/// Estimates for a finished run of `setup` whose result is `result`. `x_0` is the run's
/// initial point. Costs a few hundred full gradients (L and f* when the problem does not know
/// them) plus the spectra. Throws InputError for bad options.
RunEstimates estimate_run(const RunSetup& setup, const RunResult& result, ConstVectorRef x_0,
                          const TrajectoryProbe* probe, const EstimatorOptions& options);

}  // namespace dsgdlab
