#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/dataset.hpp"

namespace dsgdlab {
namespace {

using LabelCounts = std::vector<std::vector<Index>>;

// Label distances below are sums of a few ratios of small integers: exact to a few ulps.
constexpr double kDistanceTolerance = 1e-12;

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

// Every worker in exactly one group, members strictly ascending, groups ordered by their
// smallest member, group_of_worker consistent with members, and validate() agrees.
void expect_canonical_partition(const Grouping& grouping, int num_workers) {
  EXPECT_NO_THROW(grouping.validate(num_workers));
  ASSERT_EQ(grouping.num_workers(), num_workers);
  std::vector<int> times_listed(static_cast<std::size_t>(num_workers), 0);
  for (std::size_t g = 0; g < grouping.members.size(); ++g) {
    const auto& group = grouping.members[g];
    ASSERT_FALSE(group.empty()) << "group " << g;
    EXPECT_TRUE(std::is_sorted(group.begin(), group.end())) << "group " << g;
    if (g > 0) {
      EXPECT_LT(grouping.members[g - 1].front(), group.front());
    }
    for (int worker : group) {
      ++times_listed[static_cast<std::size_t>(worker)];
      EXPECT_EQ(grouping.group_of_worker[static_cast<std::size_t>(worker)], static_cast<int>(g));
    }
  }
  for (std::size_t i = 0; i < times_listed.size(); ++i) {
    EXPECT_EQ(times_listed[i], 1) << "worker " << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Grouping: canonical form and validation

TEST(Grouping, FromAssignmentRenumbersGroupsBySmallestMember) {
  const Grouping grouping = Grouping::from_assignment({2, 2, 0, 1, 0});
  EXPECT_EQ(grouping.group_of_worker, (std::vector<int>{0, 0, 1, 2, 1}));
  EXPECT_EQ(grouping.members, (std::vector<std::vector<int>>{{0, 1}, {2, 4}, {3}}));
  EXPECT_EQ(grouping.num_groups(), 3);
  EXPECT_EQ(grouping.num_workers(), 5);
  EXPECT_EQ(grouping.group_sizes(), (std::vector<int>{2, 2, 1}));
  EXPECT_FALSE(grouping.equal_sizes());
  expect_canonical_partition(grouping, 5);
  // The same partition under other labels is the same canonical grouping.
  EXPECT_EQ(Grouping::from_assignment({0, 0, 1, 2, 1}), grouping);
  EXPECT_EQ(Grouping::from_assignment({1, 1, 2, 0, 2}), grouping);
}

TEST(Grouping, FromAssignmentRejectsEmptyNegativeAndUnusedIds) {
  EXPECT_NE(input_error_message([] {
              Grouping::from_assignment({});
            }).find("grouping.group_of_worker is empty"),
            std::string::npos);
  EXPECT_EQ(input_error_message([] {
              Grouping::from_assignment({0, -1, 0});
            }),
            "grouping.group_of_worker[1] (-1) must be a non-negative group id");
  EXPECT_EQ(input_error_message([] {
              Grouping::from_assignment({0, 2, 2});
            }),
            "grouping.group_of_worker uses group id 2 but not 1; group ids must be "
            "0..num_groups-1, each with at least one worker");
}

TEST(Grouping, ValidateRejectsEveryBrokenInvariantWithItsField) {
  const Grouping good = Grouping::from_assignment({0, 0, 1, 1});
  EXPECT_NO_THROW(good.validate(4));
  EXPECT_EQ(input_error_message([&] { good.validate(0); }),
            "grouping.num_workers (0) must be at least 1");
  EXPECT_EQ(input_error_message([&] { good.validate(5); }),
            "grouping.group_of_worker has 4 entries but there are 5 workers");

  Grouping bad = good;
  bad.group_of_worker[3] = 2;
  EXPECT_EQ(input_error_message([&] { bad.validate(4); }),
            "grouping.group_of_worker[3] (2) must be a group id in [0, 2)");

  bad = good;
  bad.members[1] = {3, 2};
  EXPECT_EQ(input_error_message([&] { bad.validate(4); }),
            "grouping.members[1] lists worker 2 after worker 3; members must be strictly "
            "ascending");

  bad = good;
  bad.members[1] = {2, 9};
  EXPECT_EQ(input_error_message([&] { bad.validate(4); }),
            "grouping.members[1] lists worker 9, which is not in [0, 4)");

  bad = good;
  bad.members[1] = {1, 2, 3};
  EXPECT_EQ(input_error_message([&] { bad.validate(4); }),
            "grouping.members[1] lists worker 1, but grouping.group_of_worker[1] is 0");

  bad = good;
  bad.members[1] = {2};
  EXPECT_EQ(input_error_message([&] { bad.validate(4); }),
            "grouping.members lists 3 workers in total but there are 4; every worker must be in "
            "exactly one group");

  bad = good;
  bad.members.push_back({});
  EXPECT_EQ(input_error_message([&] { bad.validate(4); }),
            "grouping.members[2] is empty; every group needs at least one worker");

  bad = good;
  bad.members.clear();
  EXPECT_EQ(input_error_message([&] { bad.validate(4); }),
            "grouping.members is empty; there must be at least one group");

  bad.group_of_worker = {1, 1, 0, 0};
  bad.members = {{2, 3}, {0, 1}};
  EXPECT_EQ(input_error_message([&] { bad.validate(4); }),
            "grouping.members[1] starts with worker 0 but grouping.members[0] starts with worker "
            "2; groups must be ordered by their smallest member");
}

// ---------------------------------------------------------------------------------------------
// contiguous_grouping

TEST(ContiguousGrouping, BlocksOfConsecutiveIdsWithTheFirstGroupsOneLarger) {
  const Grouping grouping = contiguous_grouping(10, 3);
  expect_canonical_partition(grouping, 10);
  EXPECT_EQ(grouping.members, (std::vector<std::vector<int>>{{0, 1, 2, 3}, {4, 5, 6}, {7, 8, 9}}));
  EXPECT_EQ(grouping.group_sizes(), (std::vector<int>{4, 3, 3}));
  EXPECT_FALSE(grouping.equal_sizes());

  const Grouping even = contiguous_grouping(8, 4);
  expect_canonical_partition(even, 8);
  EXPECT_EQ(even.group_of_worker, (std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_TRUE(even.equal_sizes());

  // Sizes differ by at most one for every (n, N).
  for (int n = 1; n <= 12; ++n) {
    for (int groups = 1; groups <= n; ++groups) {
      const Grouping g = contiguous_grouping(n, groups);
      expect_canonical_partition(g, n);
      const auto sizes = g.group_sizes();
      ASSERT_EQ(static_cast<int>(sizes.size()), groups);
      EXPECT_TRUE(std::is_sorted(sizes.rbegin(), sizes.rend())) << n << " " << groups;
      EXPECT_LE(sizes.front() - sizes.back(), 1) << n << " " << groups;
    }
  }
}

TEST(ContiguousGrouping, EndCasesAreOneGroupAndSingletons) {
  EXPECT_EQ(contiguous_grouping(5, 1).members, (std::vector<std::vector<int>>{{0, 1, 2, 3, 4}}));
  EXPECT_EQ(contiguous_grouping(3, 3).members, (std::vector<std::vector<int>>{{0}, {1}, {2}}));
}

TEST(ContiguousGrouping, RejectsGroupCountsOutsideOneToN) {
  EXPECT_EQ(input_error_message([] { contiguous_grouping(8, 0); }),
            "grouping.num_groups (0) must be between 1 and the number of workers (8)");
  EXPECT_EQ(input_error_message([] { contiguous_grouping(8, 9); }),
            "grouping.num_groups (9) must be between 1 and the number of workers (8)");
  EXPECT_EQ(input_error_message([] { contiguous_grouping(0, 1); }),
            "grouping.num_workers (0) must be at least 1");
}

// ---------------------------------------------------------------------------------------------
// random_equal_grouping

TEST(RandomEqualGrouping, IsAnEqualSizePartition) {
  RandomStream rng(StreamKey{.seed = 3, .purpose = StreamPurpose::kGrouping});
  for (int draw = 0; draw < 50; ++draw) {
    const Grouping grouping = random_equal_grouping(12, 4, rng);
    expect_canonical_partition(grouping, 12);
    EXPECT_EQ(grouping.group_sizes(), (std::vector<int>{3, 3, 3, 3}));
    EXPECT_TRUE(grouping.equal_sizes());
  }
}

TEST(RandomEqualGrouping, ReproduciblePerSeedAndDifferentAcrossSeeds) {
  const GroupingOptions options{.scheme = GroupingScheme::kRandom, .num_groups = 4, .seed = 11};
  const Grouping first = make_grouping(options, 16, nullptr);
  EXPECT_EQ(make_grouping(options, 16, nullptr), first);
  // make_grouping draws from the documented stream.
  RandomStream rng(StreamKey{.seed = 11, .purpose = StreamPurpose::kGrouping});
  EXPECT_EQ(random_equal_grouping(16, 4, rng), first);
  // There are 16!/(4!^4·4!) ≈ 2.6e6 partitions, so distinct seeds agreeing by chance would have
  // probability ≈ 4e-7 per pair; with fixed seeds the outcome is deterministic anyway.
  std::set<std::vector<int>> distinct;
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    GroupingOptions other = options;
    other.seed = seed;
    distinct.insert(make_grouping(other, 16, nullptr).group_of_worker);
  }
  EXPECT_EQ(distinct.size(), 5U);
}

TEST(RandomEqualGrouping, IsUniformOverEqualSizePartitions) {
  // n = 6, N = 2: the partitions into two triples are identified by the triple holding worker
  // 0 (group 0 in canonical form): C(5, 2) = 10 equally likely partitions.
  //  (a) Workers 0 and 1 share a group with probability p = (n/N − 1)/(n − 1) = 2/5. Over
  //      D = 20000 draws the frequency has sd √(p(1−p)/D) = 3.46e-3; a 5-sd band fails with
  //      probability 5.7e-7.
  //  (b) Chi-square over the 10 partitions (9 degrees of freedom, expected 2000 each):
  //      P(χ²₉ > 50) = 1.1e-7.
  // Total false-failure probability < 7e-7 < 1e-6.
  constexpr int kWorkers = 6;
  constexpr int kGroups = 2;
  constexpr int kDraws = 20000;
  constexpr double kChiSquareLimit = 50.0;
  const double p = (static_cast<double>(kWorkers) / kGroups - 1.0) / (kWorkers - 1.0);
  const double band = 5.0 * std::sqrt(p * (1.0 - p) / kDraws);

  RandomStream rng(StreamKey{.seed = 2024, .purpose = StreamPurpose::kGrouping});
  int together = 0;
  std::vector<int> counts(64, 0);  // by bit mask of group 0
  for (int draw = 0; draw < kDraws; ++draw) {
    const Grouping grouping = random_equal_grouping(kWorkers, kGroups, rng);
    if (grouping.group_of_worker[0] == grouping.group_of_worker[1]) ++together;
    unsigned mask = 0;
    for (int worker : grouping.members[0]) mask |= 1U << worker;
    ++counts[mask];
  }
  EXPECT_NEAR(static_cast<double>(together) / kDraws, p, band);

  int partitions_seen = 0;
  double chi_square = 0.0;
  const double expected = kDraws / 10.0;
  for (unsigned mask = 0; mask < counts.size(); ++mask) {
    const int count = counts[mask];
    const bool possible = (mask & 1U) != 0 && std::popcount(mask) == 3;
    if (!possible) {
      EXPECT_EQ(count, 0) << "mask " << mask;
      continue;
    }
    ++partitions_seen;
    chi_square += (count - expected) * (count - expected) / expected;
  }
  EXPECT_EQ(partitions_seen, 10);
  EXPECT_LT(chi_square, kChiSquareLimit);
}

TEST(RandomEqualGrouping, RejectsGroupCountsThatDoNotDivide) {
  RandomStream rng(1);
  EXPECT_EQ(input_error_message([&] { random_equal_grouping(8, 3, rng); }),
            "grouping.num_groups (3) must divide the number of workers (8) for random "
            "equal-size grouping");
  EXPECT_EQ(input_error_message([&] { random_equal_grouping(8, 16, rng); }),
            "grouping.num_groups (16) must be between 1 and the number of workers (8)");
}

// ---------------------------------------------------------------------------------------------
// Label-based groupings

// 8 workers, 4 classes, two workers per class with ids interleaved (dominant class i mod 4):
// workers 0..3 are strongly skewed (85 of the dominant class, 5 of each other), workers 4..7
// mildly (70 and 10).
LabelCounts two_workers_per_class() {
  LabelCounts counts(8, std::vector<Index>(4));
  for (std::size_t i = 0; i < 8; ++i) {
    const bool strong = i < 4;
    for (std::size_t k = 0; k < 4; ++k) {
      counts[i][k] = k == i % 4 ? (strong ? 85 : 70) : (strong ? 5 : 10);
    }
  }
  return counts;
}

std::vector<double> proportions(const std::vector<Index>& counts) {
  double total = 0.0;
  for (Index c : counts) total += static_cast<double>(c);
  std::vector<double> p;
  for (Index c : counts) p.push_back(static_cast<double>(c) / total);
  return p;
}

double total_variation(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) sum += std::abs(a[k] - b[k]);
  return 0.5 * sum;
}

// Mean over groups of the mean pairwise total-variation distance between the label
// distributions of the group's workers: small when groups are label-pure.
double mean_within_group_label_distance(const Grouping& grouping, const LabelCounts& counts) {
  double sum_over_groups = 0.0;
  for (const auto& group : grouping.members) {
    double sum = 0.0;
    int pairs = 0;
    for (std::size_t a = 0; a < group.size(); ++a) {
      for (std::size_t b = a + 1; b < group.size(); ++b) {
        sum += total_variation(proportions(counts[static_cast<std::size_t>(group[a])]),
                               proportions(counts[static_cast<std::size_t>(group[b])]));
        ++pairs;
      }
    }
    sum_over_groups += pairs > 0 ? sum / pairs : 0.0;
  }
  return sum_over_groups / grouping.num_groups();
}

// Σ_j (n_j/n)·TV(label distribution of group j, global label distribution): the label analogue
// of the upward (inter-group) divergence.
double inter_group_label_distance(const Grouping& grouping, const LabelCounts& counts) {
  const std::size_t classes = counts.front().size();
  std::vector<Index> global(classes, 0);
  for (const auto& row : counts) {
    for (std::size_t k = 0; k < classes; ++k) global[k] += row[k];
  }
  double sum = 0.0;
  for (const auto& group : grouping.members) {
    std::vector<Index> pooled(classes, 0);
    for (int worker : group) {
      for (std::size_t k = 0; k < classes; ++k) {
        pooled[k] += counts[static_cast<std::size_t>(worker)][k];
      }
    }
    sum += static_cast<double>(group.size()) / grouping.num_workers() *
           total_variation(proportions(pooled), proportions(global));
  }
  return sum;
}

std::set<std::size_t> dominant_classes(const std::vector<int>& group, const LabelCounts& counts) {
  std::set<std::size_t> classes;
  for (int worker : group) {
    const auto& row = counts[static_cast<std::size_t>(worker)];
    classes.insert(
        static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin()));
  }
  return classes;
}

TEST(LabelGrouping, SortOrderIsDominantClassThenProportionsDescendingThenId) {
  // Class 0 first: worker 0 (0.85 of class 0) before worker 4 (0.70). Within class 1 the
  // lexicographic comparison starts at class 0, where worker 5 (0.10) beats worker 1 (0.05).
  EXPECT_EQ(workers_sorted_by_label_profile(two_workers_per_class()),
            (std::vector<int>{0, 4, 5, 1, 6, 2, 7, 3}));
  // Equal proportions (not equal counts) tie and fall back to the id; dominant-class ties go to
  // the smaller class (worker 2: classes 0 and 1 tie at 3).
  const LabelCounts counts{{2, 2, 0}, {1, 0, 4}, {3, 3, 1}, {1, 1, 0}, {0, 5, 1}};
  EXPECT_EQ(workers_sorted_by_label_profile(counts), (std::vector<int>{0, 3, 2, 4, 1}));
}

TEST(LabelGrouping, AlignedGroupsAreLabelPureAndCoveringGroupsSpanAllClasses) {
  const LabelCounts counts = two_workers_per_class();

  // N = 4: each aligned group is the two workers of one class.
  const Grouping aligned = label_aligned_grouping(counts, 4);
  expect_canonical_partition(aligned, 8);
  EXPECT_EQ(aligned.members, (std::vector<std::vector<int>>{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  for (const auto& group : aligned.members) EXPECT_EQ(dominant_classes(group, counts).size(), 1U);

  // N = 2: each covering group holds one worker of every class.
  const Grouping covering = label_covering_grouping(counts, 2);
  expect_canonical_partition(covering, 8);
  EXPECT_EQ(covering.group_sizes(), (std::vector<int>{4, 4}));
  for (const auto& group : covering.members) {
    EXPECT_EQ(dominant_classes(group, counts), (std::set<std::size_t>{0, 1, 2, 3}));
  }

  // Quantified (values worked out by hand from the proportions above): pairwise TV distance is
  // 0.15 for two workers of one class, 0.6/0.75/0.8 for weak–weak/weak–strong/strong–strong
  // workers of different classes.
  EXPECT_NEAR(mean_within_group_label_distance(aligned, counts), 0.15, kDistanceTolerance);
  EXPECT_NEAR(mean_within_group_label_distance(covering, counts), 0.725, kDistanceTolerance);
  EXPECT_NEAR(inter_group_label_distance(aligned, counts), 0.525, kDistanceTolerance);
  EXPECT_NEAR(inter_group_label_distance(covering, counts), 0.0375, kDistanceTolerance);

  // Same number of groups: aligned is purer inside and more different across groups.
  const Grouping aligned_two = label_aligned_grouping(counts, 2);
  EXPECT_EQ(aligned_two.members, (std::vector<std::vector<int>>{{0, 1, 4, 5}, {2, 3, 6, 7}}));
  EXPECT_NEAR(mean_within_group_label_distance(aligned_two, counts), 0.8 / 1.5, kDistanceTolerance);
  EXPECT_NEAR(inter_group_label_distance(aligned_two, counts), 0.35, kDistanceTolerance);
  EXPECT_LT(mean_within_group_label_distance(aligned_two, counts),
            mean_within_group_label_distance(covering, counts));
  EXPECT_GT(inter_group_label_distance(aligned_two, counts),
            inter_group_label_distance(covering, counts));

  const Grouping covering_four = label_covering_grouping(counts, 4);
  expect_canonical_partition(covering_four, 8);
  EXPECT_EQ(covering_four.members, (std::vector<std::vector<int>>{{0, 6}, {1, 3}, {2, 4}, {5, 7}}));
  EXPECT_GT(mean_within_group_label_distance(covering_four, counts),
            mean_within_group_label_distance(aligned, counts));
}

TEST(LabelGrouping, AcceptsTheLabelCountsOfAPartition) {
  // Labels 0,1,2,0,1,2,... over 12 samples; worker i holds samples {i, i + 6}, so workers
  // i and i + 3 have the same label profile.
  Dataset data;
  data.num_classes = 3;
  data.features = Matrix::Zero(1, 12);
  for (int s = 0; s < 12; ++s) data.labels.push_back(s % 3);
  Partition partition;
  for (Index i = 0; i < 6; ++i) partition.worker_samples.push_back({i, i + 6});
  const LabelCounts counts = partition.label_counts(data);
  const Grouping aligned = make_grouping(
      {.scheme = GroupingScheme::kLabelAligned, .num_groups = 3, .seed = 0}, 6, &counts);
  EXPECT_EQ(aligned.members, (std::vector<std::vector<int>>{{0, 3}, {1, 4}, {2, 5}}));
  const Grouping covering = make_grouping(
      {.scheme = GroupingScheme::kLabelCovering, .num_groups = 2, .seed = 0}, 6, &counts);
  EXPECT_EQ(covering.members, (std::vector<std::vector<int>>{{0, 1, 2}, {3, 4, 5}}));
}

TEST(LabelGrouping, RejectsBadLabelCountsAndGroupCounts) {
  const LabelCounts counts = two_workers_per_class();
  EXPECT_EQ(input_error_message([&] { label_aligned_grouping(counts, 3); }),
            "grouping.num_groups (3) must divide the number of workers (8) for label-aligned "
            "grouping");
  EXPECT_EQ(input_error_message([&] { label_covering_grouping(counts, 3); }),
            "grouping.num_groups (3) must divide the number of workers (8) for label-covering "
            "grouping");
  EXPECT_EQ(input_error_message([&] { label_covering_grouping(counts, 0); }),
            "grouping.num_groups (0) must be between 1 and the number of workers (8)");

  EXPECT_EQ(input_error_message([] { label_aligned_grouping({}, 1); }),
            "grouping.label_counts is empty; there must be at least one worker");
  EXPECT_EQ(input_error_message([] {
              label_aligned_grouping({{}, {}}, 1);
            }),
            "grouping.label_counts[0] has no classes; there must be at least one");
  EXPECT_EQ(input_error_message([] {
              label_aligned_grouping({{1, 2}, {3}}, 1);
            }),
            "grouping.label_counts[1] has 1 classes but grouping.label_counts[0] has 2; every "
            "worker needs the same classes");
  EXPECT_EQ(input_error_message([] {
              label_covering_grouping({{1, 2}, {3, -4}}, 1);
            }),
            "grouping.label_counts[1][1] (-4) must be non-negative");
  EXPECT_EQ(input_error_message([] {
              label_covering_grouping({{1, 2}, {0, 0}}, 1);
            }),
            "grouping.label_counts[1] has no samples; every worker needs at least one to define "
            "its label distribution");
}

// ---------------------------------------------------------------------------------------------
// Schemes, catalog, options and make_grouping

TEST(GroupingScheme, NamesRoundTripAndUnknownNamesAreRejected) {
  for (GroupingScheme scheme : {GroupingScheme::kContiguous, GroupingScheme::kRandom,
                                GroupingScheme::kLabelAligned, GroupingScheme::kLabelCovering}) {
    EXPECT_EQ(parse_grouping_scheme(to_string(scheme)), scheme);
  }
  EXPECT_EQ(to_string(GroupingScheme::kLabelCovering), "label_covering");
  EXPECT_EQ(input_error_message([] { parse_grouping_scheme("ring"); }),
            "grouping.scheme (\"ring\") must be one of contiguous, random, label_aligned, "
            "label_covering");
  EXPECT_EQ(input_error_message([] { parse_grouping_scheme("Random", "run[2].grouping"); }),
            "run[2].grouping (\"Random\") must be one of contiguous, random, label_aligned, "
            "label_covering");
}

TEST(GroupingScheme, CatalogListsEverySchemeThenNested) {
  const auto catalog = grouping_catalog();
  ASSERT_EQ(catalog.size(), 5U);
  EXPECT_EQ(catalog[0].name, to_string(GroupingScheme::kContiguous));
  EXPECT_EQ(catalog[1].name, to_string(GroupingScheme::kRandom));
  EXPECT_EQ(catalog[2].name, to_string(GroupingScheme::kLabelAligned));
  EXPECT_EQ(catalog[3].name, to_string(GroupingScheme::kLabelCovering));
  EXPECT_EQ(catalog[4].name, "nested");
  for (const auto& info : catalog) {
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_EQ(info.description.find('\n'), std::string_view::npos) << info.name;
  }
}

TEST(MakeGrouping, DispatchesOnTheScheme) {
  const LabelCounts counts = two_workers_per_class();
  EXPECT_EQ(make_grouping({}, 5), contiguous_grouping(5, 1));  // defaults: one contiguous group
  EXPECT_EQ(make_grouping({.scheme = GroupingScheme::kContiguous, .num_groups = 3, .seed = 0}, 10),
            contiguous_grouping(10, 3));
  EXPECT_EQ(make_grouping({.scheme = GroupingScheme::kLabelAligned, .num_groups = 4, .seed = 0}, 8,
                          &counts),
            label_aligned_grouping(counts, 4));
  EXPECT_EQ(make_grouping({.scheme = GroupingScheme::kLabelCovering, .num_groups = 2, .seed = 0}, 8,
                          &counts),
            label_covering_grouping(counts, 2));
}

TEST(MakeGrouping, RejectsBadOptionsAndMissingLabelCounts) {
  EXPECT_EQ(input_error_message([] { GroupingOptions{.num_groups = 0}.validate(); }),
            "grouping.num_groups (0) must be at least 1");
  EXPECT_EQ(input_error_message([] { make_grouping({.num_groups = -2}, 8); }),
            "grouping.num_groups (-2) must be at least 1");
  EXPECT_EQ(input_error_message([] {
              make_grouping({.scheme = GroupingScheme::kLabelAligned, .num_groups = 2}, 8);
            }),
            "grouping.scheme (\"label_aligned\") needs the workers' label counts, but none were "
            "given");
  const LabelCounts counts = two_workers_per_class();
  EXPECT_EQ(input_error_message([&] {
              make_grouping({.scheme = GroupingScheme::kLabelCovering, .num_groups = 2}, 6,
                            &counts);
            }),
            "grouping.label_counts has 8 rows but there are 6 workers");
  EXPECT_EQ(input_error_message(
                [] { make_grouping({.scheme = GroupingScheme::kRandom, .num_groups = 3}, 8); }),
            "grouping.num_groups (3) must divide the number of workers (8) for random "
            "equal-size grouping");
}

}  // namespace
}  // namespace dsgdlab
