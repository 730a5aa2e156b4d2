#include "dsgdlab/analysis/estimators/staleness.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace dsgdlab {

std::int32_t nearest_rank_percentile(std::span<const std::int32_t> sorted, int percent) {
  if (sorted.empty()) throw std::invalid_argument("nearest_rank_percentile: no values");
  if (percent < 0 || percent > 100) {
    throw std::invalid_argument("nearest_rank_percentile: percent " + std::to_string(percent) +
                                " is not in [0, 100]");
  }
  const auto n = static_cast<std::int64_t>(sorted.size());
  const std::int64_t rank = std::max<std::int64_t>(1, (percent * n + 99) / 100);
  return sorted[static_cast<std::size_t>(rank - 1)];
}

StalenessStatistics staleness_statistics(std::span<const UpdateRecord> updates, int num_workers) {
  if (num_workers < 0) throw std::invalid_argument("staleness_statistics: negative worker count");
  StalenessStatistics stats;
  stats.per_worker.resize(static_cast<std::size_t>(num_workers));
  std::vector<std::int32_t> values;
  values.reserve(updates.size());
  std::vector<double> sums(static_cast<std::size_t>(num_workers), 0.0);
  double total = 0.0;
  for (const UpdateRecord& update : updates) {
    if (update.worker < 0 || update.worker >= num_workers) {
      throw std::invalid_argument("staleness_statistics: worker " + std::to_string(update.worker) +
                                  " is not in [0, " + std::to_string(num_workers) + ")");
    }
    if (update.staleness < 0) {
      throw std::invalid_argument("staleness_statistics: negative staleness " +
                                  std::to_string(update.staleness));
    }
    const auto w = static_cast<std::size_t>(update.worker);
    auto& worker = stats.per_worker[w];
    ++worker.updates;
    worker.max = std::max(worker.max, update.staleness);
    sums[w] += update.staleness;
    total += update.staleness;
    values.push_back(update.staleness);
  }
  stats.updates = static_cast<std::int64_t>(values.size());
  for (std::size_t w = 0; w < stats.per_worker.size(); ++w) {
    auto& worker = stats.per_worker[w];
    if (worker.updates > 0) worker.mean = sums[w] / static_cast<double>(worker.updates);
  }
  if (values.empty()) return stats;
  std::sort(values.begin(), values.end());
  for (const std::int32_t value : values) {
    if (stats.histogram.empty() || stats.histogram.back().staleness != value) {
      stats.histogram.push_back({.staleness = value, .count = 0});
    }
    ++stats.histogram.back().count;
  }
  stats.max = values.back();
  stats.mean = total / static_cast<double>(values.size());
  stats.p50 = nearest_rank_percentile(values, 50);
  stats.p95 = nearest_rank_percentile(values, 95);
  stats.p99 = nearest_rank_percentile(values, 99);
  return stats;
}

}  // namespace dsgdlab
