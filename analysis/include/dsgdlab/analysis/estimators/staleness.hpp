#pragma once

/// Staleness statistics of an asynchronous run (theory.md §4 "Staleness"). Every applied
/// update carries τ = (updates applied before it) − (updates applied when its gradient's
/// snapshot was read); the theorems of AD-PSGD and A-PSGD assume a bound T ≥ τ.

#include <cstdint>
#include <span>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"

namespace dsgdlab {

/// Nearest-rank percentile of sorted values: the value at 1-based rank ⌈p·N/100⌉ (rank 1 for
/// p = 0), computed in integers. Requires N ≥ 1 and 0 ≤ p ≤ 100. Examples with the values
/// 1..10: p50 = 5, p95 = 10, p99 = 10; with 1..100: p95 = 95.
std::int32_t nearest_rank_percentile(std::span<const std::int32_t> sorted, int percent);

/// One bin of the exact staleness histogram: `count` updates had τ = `staleness`.
struct StalenessBin {
  std::int32_t staleness = 0;
  std::int64_t count = 0;
  friend bool operator==(const StalenessBin&, const StalenessBin&) = default;
};

struct StalenessStatistics {
  struct Worker {
    std::int64_t updates = 0;
    /// 0 when the worker applied no update.
    double mean = 0.0;
    std::int32_t max = 0;
  };
  std::int64_t updates = 0;
  /// T = max_k τ_k, the empirical staleness bound.
  std::int32_t max = 0;
  double mean = 0.0;
  /// Nearest-rank percentiles (nearest_rank_percentile).
  std::int32_t p50 = 0;
  std::int32_t p95 = 0;
  std::int32_t p99 = 0;
  /// Exact histogram: one bin per distinct τ that occurred, increasing τ; counts sum to
  /// `updates`. At most T + 1 bins.
  std::vector<StalenessBin> histogram;
  /// One entry per worker 0..n−1: a slow worker's updates are the stale ones (theory.md §3).
  std::vector<Worker> per_worker;
};

/// Statistics of `updates` for `num_workers` workers. With no updates every statistic is 0
/// and the histogram is empty. Throws std::invalid_argument for a worker id outside
/// [0, num_workers) or a negative τ. Cost O(K log K) for K updates.
StalenessStatistics staleness_statistics(std::span<const UpdateRecord> updates, int num_workers);

}  // namespace dsgdlab
