#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "dsgdlab/analysis/estimators/staleness.hpp"

namespace dsgdlab {
namespace {

TEST(StalenessStatistics, NearestRankPercentiles) {
  std::vector<std::int32_t> ten(10);
  std::iota(ten.begin(), ten.end(), 1);  // 1..10
  EXPECT_EQ(nearest_rank_percentile(ten, 0), 1);
  EXPECT_EQ(nearest_rank_percentile(ten, 50), 5);   // rank ⌈5⌉ = 5
  EXPECT_EQ(nearest_rank_percentile(ten, 51), 6);   // rank ⌈5.1⌉ = 6
  EXPECT_EQ(nearest_rank_percentile(ten, 95), 10);  // rank ⌈9.5⌉ = 10
  EXPECT_EQ(nearest_rank_percentile(ten, 100), 10);
  std::vector<std::int32_t> hundred(100);
  std::iota(hundred.begin(), hundred.end(), 1);
  EXPECT_EQ(nearest_rank_percentile(hundred, 50), 50);
  EXPECT_EQ(nearest_rank_percentile(hundred, 95), 95);
  EXPECT_EQ(nearest_rank_percentile(hundred, 99), 99);
  const std::vector<std::int32_t> one{7};
  EXPECT_EQ(nearest_rank_percentile(one, 99), 7);
  EXPECT_THROW(nearest_rank_percentile({}, 50), std::invalid_argument);
  EXPECT_THROW(nearest_rank_percentile(ten, 101), std::invalid_argument);
}

TEST(StalenessStatistics, KnownList) {
  // τ by worker: 0 → {0, 3, 3}, 1 → {1, 1}, 2 → {2}, 3 → none. Sorted: 0 1 1 2 3 3.
  const std::vector<UpdateRecord> updates{{0, 0}, {1, 1}, {0, 3}, {2, 2}, {1, 1}, {0, 3}};
  const StalenessStatistics stats = staleness_statistics(updates, 4);
  EXPECT_EQ(stats.updates, 6);
  EXPECT_EQ(stats.max, 3);
  EXPECT_EQ(stats.mean, 10.0 / 6.0);
  EXPECT_EQ(stats.p50, 1);  // rank ⌈3⌉ = 3
  EXPECT_EQ(stats.p95, 3);  // rank ⌈5.7⌉ = 6
  EXPECT_EQ(stats.p99, 3);
  ASSERT_EQ(stats.per_worker.size(), 4u);
  EXPECT_EQ(stats.per_worker[0].updates, 3);
  EXPECT_EQ(stats.per_worker[0].mean, 2.0);
  EXPECT_EQ(stats.per_worker[0].max, 3);
  EXPECT_EQ(stats.per_worker[1].updates, 2);
  EXPECT_EQ(stats.per_worker[1].mean, 1.0);
  EXPECT_EQ(stats.per_worker[2].max, 2);
  EXPECT_EQ(stats.per_worker[3].updates, 0);
  EXPECT_EQ(stats.per_worker[3].mean, 0.0);
  const std::vector<StalenessBin> histogram{{0, 1}, {1, 2}, {2, 1}, {3, 2}};
  EXPECT_EQ(stats.histogram, histogram);

  const StalenessStatistics none = staleness_statistics({}, 2);
  EXPECT_EQ(none.updates, 0);
  EXPECT_EQ(none.max, 0);
  EXPECT_EQ(none.per_worker.size(), 2u);
  EXPECT_TRUE(none.histogram.empty());
  EXPECT_THROW(staleness_statistics(std::vector<UpdateRecord>{{4, 0}}, 4), std::invalid_argument);
  EXPECT_THROW(staleness_statistics(std::vector<UpdateRecord>{{0, -1}}, 4), std::invalid_argument);
}

TEST(StalenessStatistics, HistogramSkipsValuesThatNeverOccurAndSumsToTheUpdateCount) {
  std::vector<UpdateRecord> updates;
  for (int k = 0; k < 1000; ++k) {
    updates.push_back({.worker = k % 3, .staleness = static_cast<std::int32_t>((k * 7) % 11) * 5});
  }
  const StalenessStatistics stats = staleness_statistics(updates, 3);
  std::int64_t total = 0;
  for (std::size_t b = 0; b < stats.histogram.size(); ++b) {
    EXPECT_EQ(stats.histogram[b].staleness % 5, 0);
    if (b > 0) {
      EXPECT_GT(stats.histogram[b].staleness, stats.histogram[b - 1].staleness);
    }
    EXPECT_GT(stats.histogram[b].count, 0);
    total += stats.histogram[b].count;
  }
  EXPECT_EQ(stats.histogram.size(), 11u);  // 0, 5, ..., 50
  EXPECT_EQ(total, stats.updates);
  EXPECT_EQ(stats.histogram.back().staleness, stats.max);
}
}  // namespace
}  // namespace dsgdlab
