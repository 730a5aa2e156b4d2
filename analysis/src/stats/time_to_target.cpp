#include "dsgdlab/analysis/stats/time_to_target.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace dsgdlab {

std::optional<double> time_to_target(std::span<const double> times, std::span<const double> values,
                                     double target) {
  if (times.size() != values.size()) {
    throw std::invalid_argument("time_to_target: " + std::to_string(times.size()) + " times but " +
                                std::to_string(values.size()) + " values");
  }
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0 && times[i] < times[i - 1]) {
      throw std::invalid_argument("time_to_target: times decrease at point " + std::to_string(i));
    }
    if (!std::isfinite(values[i])) return std::nullopt;  // diverged: never reaches the target
    if (values[i] > target) continue;
    if (i == 0) return times[0];
    const double before = values[i - 1];
    const double after = values[i];
    if (before > 0.0 && after > 0.0 && target > 0.0 && before > after) {
      // log-linear interpolation: log v(t) linear between the two checkpoints.
      const double fraction =
          (std::log(before) - std::log(target)) / (std::log(before) - std::log(after));
      return times[i - 1] + fraction * (times[i] - times[i - 1]);
    }
    return times[i];
  }
  return std::nullopt;
}

TimeToTarget time_to_target_over_seeds(std::span<const std::vector<double>> times,
                                       std::span<const std::vector<double>> values, double target) {
  if (times.size() != values.size()) {
    throw std::invalid_argument("time_to_target_over_seeds: " + std::to_string(times.size()) +
                                " time series but " + std::to_string(values.size()) +
                                " value series");
  }
  TimeToTarget result;
  result.seeds = static_cast<int>(times.size());
  std::vector<double> reached;
  for (std::size_t s = 0; s < times.size(); ++s) {
    result.per_seed.push_back(time_to_target(times[s], values[s], target));
    if (result.per_seed.back()) reached.push_back(*result.per_seed.back());
  }
  result.reached = static_cast<int>(reached.size());
  if (!reached.empty()) result.interval = mean_interval95(reached);
  return result;
}

}  // namespace dsgdlab
