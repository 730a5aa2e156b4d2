#pragma once

/// Time to ε (theory.md §6 "Linear speedup", "Heterogeneity robustness"): the first point of a
/// trace at which a decreasing metric (loss gap, ‖∇f(x̄)‖², R(K)) reaches a target.

#include <optional>
#include <span>
#include <vector>

#include "dsgdlab/analysis/stats/confidence.hpp"

namespace dsgdlab {

/// The first time at which values[i] ≤ target, with times and values of one trace (same length,
/// times non-decreasing). When the crossing lies between two checkpoints i − 1 and i, the time
/// is interpolated linearly in log(value) between them (values decay roughly geometrically
/// between checkpoints; both must be > 0 for that, otherwise the checkpoint time is used).
/// nullopt when the trace never reaches the target. Non-finite values (a diverged run) never
/// reach it.
std::optional<double> time_to_target(std::span<const double> times, std::span<const double> values,
                                     double target);

/// Time to ε over seeds.
struct TimeToTarget {
  /// Seeds whose trace reached the target, and all seeds.
  int reached = 0;
  int seeds = 0;
  /// Per seed, in input order; nullopt for a seed that did not reach it.
  std::vector<std::optional<double>> per_seed;
  /// The interval of the mean over the seeds that reached it (count 0 when none did). When
  /// some seeds did not reach the target the mean is censored (biased low): check `reached`.
  MeanInterval interval;

  bool all_reached() const { return reached == seeds; }
};

/// time_to_target for every seed's (times, values) and the interval of their mean.
TimeToTarget time_to_target_over_seeds(std::span<const std::vector<double>> times,
                                       std::span<const std::vector<double>> values, double target);

}  // namespace dsgdlab
