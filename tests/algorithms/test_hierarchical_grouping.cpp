#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

// Runs `action`, expects an InputError, and returns its message ("" if none was thrown).
template <typename Action>
std::string input_error_message(Action action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Checks the accessors against each other: the parent of a worker's level-ℓ cluster is its
// level-(ℓ+1) cluster, clusters at every level partition the workers, and the counts N_ℓ are
// those of the materialised levels.
void expect_consistent_hierarchy(const HierarchicalGrouping& hierarchy, int num_workers) {
  EXPECT_NO_THROW(hierarchy.validate(num_workers));
  const int levels = hierarchy.num_levels();
  EXPECT_EQ(hierarchy.num_clusters(0), num_workers);
  EXPECT_EQ(hierarchy.num_clusters(levels), 1);
  for (int level = 0; level <= levels; ++level) {
    const Grouping grouping = hierarchy.grouping_at(level);
    EXPECT_NO_THROW(grouping.validate(num_workers)) << "level " << level;
    EXPECT_EQ(grouping.num_groups(), hierarchy.num_clusters(level)) << "level " << level;
    if (level > 0) {
      EXPECT_LT(hierarchy.num_clusters(level), hierarchy.num_clusters(level - 1));
    }
    for (int worker = 0; worker < num_workers; ++worker) {
      const int cluster = hierarchy.cluster_of(level, worker);
      EXPECT_EQ(grouping.group_of_worker[static_cast<std::size_t>(worker)], cluster);
      if (level < levels) {
        EXPECT_EQ(hierarchy.parent(level, cluster), hierarchy.cluster_of(level + 1, worker))
            << "level " << level << " worker " << worker;
      }
    }
  }
}

TEST(NestedGrouping, ContiguousPairsInsideOctetsInsideAll) {
  const HierarchicalGrouping hierarchy = nested_grouping(16, {2, 8}, false, nullptr);
  expect_consistent_hierarchy(hierarchy, 16);
  EXPECT_EQ(hierarchy.num_levels(), 3);
  EXPECT_EQ(hierarchy.num_workers, 16);
  EXPECT_EQ(hierarchy.num_clusters(1), 8);
  EXPECT_EQ(hierarchy.num_clusters(2), 2);
  EXPECT_EQ(hierarchy.levels[0], contiguous_grouping(16, 8));
  EXPECT_EQ(hierarchy.levels[1], contiguous_grouping(16, 2));
  EXPECT_EQ(hierarchy.cluster_of(0, 13), 13);
  EXPECT_EQ(hierarchy.cluster_of(1, 13), 6);
  EXPECT_EQ(hierarchy.cluster_of(2, 13), 1);
  EXPECT_EQ(hierarchy.cluster_of(3, 13), 0);
  EXPECT_EQ(hierarchy.parent(0, 13), 6);
  EXPECT_EQ(hierarchy.parent(1, 3), 0);
  EXPECT_EQ(hierarchy.parent(1, 4), 1);
  EXPECT_EQ(hierarchy.parent(2, 1), 0);
}

TEST(NestedGrouping, NoSizesIsTheOneLevelHierarchyOfLocalSgd) {
  const HierarchicalGrouping hierarchy = nested_grouping(5, {}, false, nullptr);
  expect_consistent_hierarchy(hierarchy, 5);
  EXPECT_EQ(hierarchy.num_levels(), 1);
  EXPECT_EQ(hierarchy.parent(0, 4), 0);
  EXPECT_EQ(hierarchy.grouping_at(0).members.size(), 5U);
  EXPECT_EQ(hierarchy.grouping_at(1).members, (std::vector<std::vector<int>>{{0, 1, 2, 3, 4}}));
}

TEST(NestedGrouping, ThreeIntermediateLevels) {
  const HierarchicalGrouping hierarchy = nested_grouping(24, {2, 6, 12}, false, nullptr);
  expect_consistent_hierarchy(hierarchy, 24);
  EXPECT_EQ(hierarchy.num_levels(), 4);
  const std::vector<int> expected_counts{24, 12, 4, 2, 1};
  for (int level = 0; level <= 4; ++level) {
    EXPECT_EQ(hierarchy.num_clusters(level), expected_counts[static_cast<std::size_t>(level)]);
  }
}

TEST(NestedGrouping, RejectsSizesThatDoNotNestWithTheirField) {
  EXPECT_EQ(input_error_message([] {
              nested_grouping(16, {1, 8}, false, nullptr);
            }),
            "grouping.cluster_sizes[0] (1) must be at least 2 (clusters of one worker are the "
            "implicit level 0)");
  EXPECT_EQ(input_error_message([] {
              nested_grouping(16, {4, 4}, false, nullptr);
            }),
            "grouping.cluster_sizes[1] (4) must be greater than grouping.cluster_sizes[0] (4); "
            "sizes must strictly increase");
  EXPECT_EQ(input_error_message([] {
              nested_grouping(16, {8, 4}, false, nullptr);
            }),
            "grouping.cluster_sizes[1] (4) must be greater than grouping.cluster_sizes[0] (8); "
            "sizes must strictly increase");
  EXPECT_EQ(input_error_message([] {
              nested_grouping(24, {4, 6}, false, nullptr);
            }),
            "grouping.cluster_sizes[1] (6) must be a multiple of grouping.cluster_sizes[0] (4) "
            "so that clusters nest");
  EXPECT_EQ(input_error_message([] { nested_grouping(16, {3}, false, nullptr); }),
            "grouping.cluster_sizes[0] (3) must divide the number of workers (16)");
  EXPECT_EQ(input_error_message([] {
              nested_grouping(12, {2, 8}, false, nullptr);
            }),
            "grouping.cluster_sizes[1] (8) must divide the number of workers (12)");
  EXPECT_EQ(input_error_message([] {
              nested_grouping(16, {2, 16}, false, nullptr);
            }),
            "grouping.cluster_sizes[1] (16) must be less than the number of workers (16); the "
            "all-workers level is implicit");
  EXPECT_EQ(input_error_message([] { nested_grouping(0, {}, false, nullptr); }),
            "grouping.num_workers (0) must be at least 1");
  EXPECT_EQ(input_error_message([] {
              nested_grouping(16, {2, 8}, true, nullptr);
            }),
            "nested_grouping: a random nested grouping needs a RandomStream, got none");
}

TEST(NestedGrouping, RandomIsAValidReproducibleNesting) {
  constexpr std::uint64_t kSeed = 77;
  RandomStream first_rng(StreamKey{.seed = kSeed, .purpose = StreamPurpose::kGrouping});
  RandomStream second_rng(StreamKey{.seed = kSeed, .purpose = StreamPurpose::kGrouping});
  const HierarchicalGrouping first = nested_grouping(16, {2, 8}, true, &first_rng);
  const HierarchicalGrouping second = nested_grouping(16, {2, 8}, true, &second_rng);
  expect_consistent_hierarchy(first, 16);
  ASSERT_EQ(first.levels.size(), second.levels.size());
  for (std::size_t s = 0; s < first.levels.size(); ++s) {
    EXPECT_EQ(first.levels[s], second.levels[s]) << "level " << s + 1;
    EXPECT_TRUE(first.levels[s].equal_sizes()) << "level " << s + 1;
  }
  EXPECT_EQ(first.levels[0].group_sizes(), std::vector<int>(8, 2));
  EXPECT_EQ(first.levels[1].group_sizes(), std::vector<int>(2, 8));
  // A uniform draw equals the contiguous pairs with probability 8!·2^8/16! ≈ 5e-7, and the next
  // draw from the same stream equals the first with the same probability; the seed is fixed.
  EXPECT_NE(first.levels[0], contiguous_grouping(16, 8));
  const HierarchicalGrouping next = nested_grouping(16, {2, 8}, true, &first_rng);
  expect_consistent_hierarchy(next, 16);
  EXPECT_NE(next.levels[0], first.levels[0]);
}

TEST(NestedGrouping, RandomIsUniform) {
  // n = 8, sizes {2, 4}. In a uniformly random nested grouping workers 0 and 1 share a pair
  // with probability (2 − 1)/7 = 1/7 and a quad with probability (4 − 1)/7 = 3/7. Over
  // D = 20000 draws each frequency has sd √(p(1−p)/D) (2.5e-3 and 3.5e-3); 5-sd bands fail
  // with probability 5.7e-7 each, 1.2e-6 for both.
  constexpr int kWorkers = 8;
  constexpr int kDraws = 20000;
  RandomStream rng(StreamKey{.seed = 5, .purpose = StreamPurpose::kGrouping});
  int same_pair = 0;
  int same_quad = 0;
  for (int draw = 0; draw < kDraws; ++draw) {
    const HierarchicalGrouping hierarchy = nested_grouping(kWorkers, {2, 4}, true, &rng);
    if (hierarchy.cluster_of(1, 0) == hierarchy.cluster_of(1, 1)) ++same_pair;
    if (hierarchy.cluster_of(2, 0) == hierarchy.cluster_of(2, 1)) ++same_quad;
  }
  const double p_pair = 1.0 / 7.0;
  const double p_quad = 3.0 / 7.0;
  EXPECT_NEAR(static_cast<double>(same_pair) / kDraws, p_pair,
              5.0 * std::sqrt(p_pair * (1.0 - p_pair) / kDraws));
  EXPECT_NEAR(static_cast<double>(same_quad) / kDraws, p_quad,
              5.0 * std::sqrt(p_quad * (1.0 - p_quad) / kDraws));
}

TEST(HierarchicalGrouping, ValidateNamesTheClusterThatStraddlesTwoParents) {
  HierarchicalGrouping hierarchy{.num_workers = 8,
                                 .levels = {Grouping::from_assignment({0, 0, 1, 1, 2, 2, 3, 3}),
                                            Grouping::from_assignment({0, 0, 0, 1, 1, 1, 1, 0})}};
  EXPECT_EQ(input_error_message([&] { hierarchy.validate(8); }),
            "grouping level 1 cluster 1 (workers 2, 3) straddles level-2 clusters 0 and 1: worker "
            "2 is in cluster 0, worker 3 in cluster 1; every cluster must lie inside one cluster "
            "of the next level");
}

TEST(HierarchicalGrouping, ValidateRejectsIncreasingCountsAndAcceptsDegenerateLevels) {
  const HierarchicalGrouping increasing{
      .num_workers = 8, .levels = {contiguous_grouping(8, 2), contiguous_grouping(8, 4)}};
  EXPECT_TRUE(starts_with(input_error_message([&] { increasing.validate(8); }),
                          "grouping level 2 has 4 clusters but level 1 has 2; cluster counts "
                          "must not increase"));
  // Degenerate levels (a repeated partition, all singletons, one cluster of everyone) are the
  // H-SGD special cases N = n and N = 1 (theory.md §2), which must run as written.
  const HierarchicalGrouping repeated{
      .num_workers = 8, .levels = {contiguous_grouping(8, 4), contiguous_grouping(8, 4)}};
  EXPECT_NO_THROW(repeated.validate(8));
  const HierarchicalGrouping singletons{.num_workers = 4, .levels = {contiguous_grouping(4, 4)}};
  EXPECT_NO_THROW(singletons.validate(4));
  const HierarchicalGrouping everyone{.num_workers = 4, .levels = {contiguous_grouping(4, 1)}};
  EXPECT_NO_THROW(everyone.validate(4));
  EXPECT_EQ(from_two_level(contiguous_grouping(4, 1)).num_clusters(1), 1);
  EXPECT_EQ(from_two_level(contiguous_grouping(4, 4)).num_clusters(1), 4);
}

TEST(HierarchicalGrouping, ValidateRejectsWrongWorkerCountsAndBrokenLevels) {
  const HierarchicalGrouping hierarchy = nested_grouping(8, {2}, false, nullptr);
  EXPECT_EQ(input_error_message([&] { hierarchy.validate(6); }),
            "grouping.num_workers (8) must equal the number of workers (6)");
  EXPECT_EQ(input_error_message([&] { hierarchy.validate(0); }),
            "grouping.num_workers (0) must be at least 1");
  HierarchicalGrouping broken = hierarchy;
  broken.levels[0].group_of_worker.pop_back();
  EXPECT_EQ(input_error_message([&] { broken.validate(8); }),
            "grouping level 1: grouping.group_of_worker has 7 entries but there are 8 workers");
}

TEST(HierarchicalGrouping, AccessorsRejectLevelsAndClustersOutOfRange) {
  const HierarchicalGrouping hierarchy = nested_grouping(8, {2, 4}, false, nullptr);
  EXPECT_THROW(hierarchy.num_clusters(-1), std::out_of_range);
  EXPECT_THROW(hierarchy.num_clusters(4), std::out_of_range);
  EXPECT_THROW(hierarchy.cluster_of(1, 8), std::out_of_range);
  EXPECT_THROW(hierarchy.cluster_of(5, 0), std::out_of_range);
  EXPECT_THROW(hierarchy.parent(3, 0), std::out_of_range);  // level M has no parent
  EXPECT_THROW(hierarchy.parent(1, 4), std::out_of_range);  // level 1 has clusters 0..3
  EXPECT_THROW(hierarchy.grouping_at(4), std::out_of_range);
}

TEST(FromTwoLevel, WrapsAGroupingAsTheOnlyIntermediateLevel) {
  const Grouping groups = contiguous_grouping(10, 3);
  const HierarchicalGrouping hierarchy = from_two_level(groups);
  expect_consistent_hierarchy(hierarchy, 10);
  EXPECT_EQ(hierarchy.num_levels(), 2);
  EXPECT_EQ(hierarchy.levels[0], groups);
  EXPECT_EQ(hierarchy.num_clusters(1), 3);
  for (int cluster = 0; cluster < 3; ++cluster) EXPECT_EQ(hierarchy.parent(1, cluster), 0);
  EXPECT_EQ(hierarchy.parent(0, 7), 2);

  RandomStream rng(9);
  expect_consistent_hierarchy(from_two_level(random_equal_grouping(12, 4, rng)), 12);
}

}  // namespace
}  // namespace dsgdlab
