#pragma once

/// Two-level groupings of workers for hierarchical SGD (theory.md §2 "H-SGD, two levels").
///
/// A grouping partitions the n workers into N groups V_1..V_N of sizes n_j. H-SGD averages
/// within each group every I steps and globally every G steps; how the workers are grouped
/// decides the split of the heterogeneity ζ² into the intra-group ("downward") divergence
/// ε_down² and the inter-group ("upward") divergence ε_up² (theory.md §4), with
/// ε_down² + ε_up² = ζ². Four schemes are offered:
///
/// | scheme           | groups                               | sizes                |
/// |------------------|--------------------------------------|----------------------|
/// | `contiguous`     | blocks of consecutive worker ids     | as equal as possible |
/// | `random`         | uniformly random partition (seeded)  | equal, N divides n   |
/// | `label_aligned`  | workers with similar labels together | equal, N divides n   |
/// | `label_covering` | every group spans the label spectrum | equal, N divides n   |
///
/// For a random equal-size grouping E[ε_up²] = (N−1)/(n−1)·ζ² and E[ε_down²] =
/// (n−N)/(n−1)·ζ² (theory.md §4). Label-aligned grouping ("group non-IID") makes ε_up² large,
/// label-covering grouping ("group IID") makes it small. Nested multi-level groupings are in
/// hierarchical_grouping.hpp.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "dsgdlab/core/catalog.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// A partition of workers 0..n−1 into N non-empty groups, in canonical form: members[g] is
/// sorted ascending and the groups are numbered in the order of their smallest member (so
/// worker 0 is always in group 0). Two groupings are the same partition exactly when they
/// compare equal.
struct Grouping {
  /// group_of_worker[i] = the group (0..N−1) of worker i; size n.
  std::vector<int> group_of_worker;
  /// members[g] = the workers of group g, ascending; groups ordered by their smallest member.
  std::vector<std::vector<int>> members;

  /// N, the number of groups.
  int num_groups() const { return static_cast<int>(members.size()); }
  /// n, the number of workers.
  int num_workers() const { return static_cast<int>(group_of_worker.size()); }
  /// n_j for j = 0..N−1.
  std::vector<int> group_sizes() const;
  /// True when every group has n/N workers.
  bool equal_sizes() const;

  /// Builds the canonical grouping from an assignment worker → group id. The ids must be
  /// 0..N−1 with every id used (N = largest id + 1); they are renumbered in the order of each
  /// group's smallest member. Throws InputError naming the first bad entry.
  static Grouping from_assignment(std::vector<int> group_of_worker);

  /// Checks the invariants for `num_workers` workers: sizes agree, every worker is in exactly
  /// one non-empty group, group_of_worker and members agree, members are sorted and groups are
  /// ordered by their smallest member. Throws InputError naming the field, value and rule.
  void validate(int num_workers) const;

  friend bool operator==(const Grouping&, const Grouping&) = default;
};

/// Blocks of consecutive ids: with n = qN + r, groups 0..r−1 have q + 1 workers and groups
/// r..N−1 have q, so worker ids 0..q are group 0, and so on (PyTorch-style contiguous rank
/// blocks). Requires 1 ≤ N ≤ n.
Grouping contiguous_grouping(int num_workers, int num_groups);

/// A uniformly random partition into N groups of n/N workers each: a uniform permutation π of
/// the worker ids (Fisher–Yates with `rng`) is cut into consecutive blocks
/// {π_0..π_{s−1}}, {π_s..π_{2s−1}}, … with s = n/N. Every equal-size partition has the same
/// probability; two given workers share a group with probability (n/N − 1)/(n − 1).
/// Requires 1 ≤ N ≤ n and N | n.
Grouping random_equal_grouping(int num_workers, int num_groups, RandomStream& rng);

/// The order in which the label-based schemes lay out the workers. label_counts[i][k] is the
/// number of samples of class k held by worker i (as Partition::label_counts returns). Workers
/// are sorted by (1) dominant class (the class with most samples; ties go to the smaller
/// class), (2) the class-proportion vector (c_i0/t_i, …, c_i,K−1/t_i), t_i = Σ_k c_ik, in
/// lexicographically descending order (compared exactly, by cross-multiplication), (3) worker
/// id. Throws InputError when label_counts is empty, ragged, negative, or a worker has no
/// samples.
std::vector<int> workers_sorted_by_label_profile(
    const std::vector<std::vector<Index>>& label_counts);

/// "Group non-IID": the label-sorted workers (workers_sorted_by_label_profile) cut into N
/// consecutive blocks of n/N, so workers with similar label distributions share a group and
/// the groups differ from each other (large inter-group divergence ε_up²). Requires N | n.
Grouping label_aligned_grouping(const std::vector<std::vector<Index>>& label_counts,
                                int num_groups);

/// "Group IID": the label-sorted workers dealt round-robin (sorted position p goes to group
/// p mod N), so every group spans the label spectrum (small inter-group divergence ε_up²,
/// large intra-group divergence ε_down²). Requires N | n, like label_aligned_grouping, so the
/// two label schemes have the same group sizes.
Grouping label_covering_grouping(const std::vector<std::vector<Index>>& label_counts,
                                 int num_groups);

/// The two-level grouping schemes selectable from a suite file.
enum class GroupingScheme {
  kContiguous,     ///< "contiguous": contiguous_grouping
  kRandom,         ///< "random": random_equal_grouping
  kLabelAligned,   ///< "label_aligned": label_aligned_grouping ("group non-IID")
  kLabelCovering,  ///< "label_covering": label_covering_grouping ("group IID")
};

/// Stable name of a scheme ("contiguous", "random", "label_aligned", "label_covering").
std::string_view to_string(GroupingScheme scheme);

/// Inverse of to_string. Throws InputError `FIELD ("name") must be one of contiguous, random,
/// label_aligned, label_covering`, with `field` naming the option being parsed.
GroupingScheme parse_grouping_scheme(std::string_view name,
                                     std::string_view field = "grouping.scheme");

/// Every grouping the toolkit offers: the four GroupingScheme values in enum order, then
/// "nested" (nested_grouping in hierarchical_grouping.hpp, the multi-level H-SGD grouping).
std::span<const CatalogEntry> grouping_catalog();

/// Which two-level grouping to build.
struct GroupingOptions {
  /// How workers are grouped. Default: contiguous blocks.
  GroupingScheme scheme = GroupingScheme::kContiguous;
  /// N, the number of groups: 1 ≤ N ≤ n, and N | n for every scheme but contiguous.
  /// Default 1 (one group: H-SGD reduces to local SGD with period G).
  int num_groups = 1;
  /// Seed of the random scheme's stream StreamKey{.seed = seed, .purpose = kGrouping}.
  /// Ignored by the deterministic schemes. Default 0.
  std::uint64_t seed = 0;

  /// Checks what can be checked without n: num_groups ≥ 1. Throws InputError.
  void validate() const;
};

/// Builds the grouping the options describe for `num_workers` workers. `label_counts` (one row
/// per worker, see workers_sorted_by_label_profile) is required by the label schemes and
/// ignored by the others; a null pointer for a label scheme is an InputError.
Grouping make_grouping(const GroupingOptions& options, int num_workers,
                       const std::vector<std::vector<Index>>* label_counts = nullptr);

}  // namespace dsgdlab
