#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"

#include <numeric>
#include <span>
#include <stdexcept>
#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

constexpr std::string_view kCountRule =
    "; cluster counts must not increase from n (level 0, the workers) to 1 (level M, all "
    "workers together), and both end levels are implicit";

std::string level_name(int level) { return "grouping level " + std::to_string(level); }

std::string size_field(std::size_t index) {
  return "grouping.cluster_sizes[" + std::to_string(index) + "]";
}

// "workers 6, 7" (at most kShown ids, then an ellipsis).
std::string describe_members(const std::vector<int>& members) {
  constexpr std::size_t kShown = 8;
  std::string text = members.size() == 1 ? "worker " : "workers ";
  for (std::size_t m = 0; m < members.size() && m < kShown; ++m) {
    if (m > 0) text += ", ";
    text += std::to_string(members[m]);
  }
  if (members.size() > kShown) text += ", ...";
  return text;
}

void check_level(const HierarchicalGrouping& hierarchy, int level) {
  if (level < 0 || level > hierarchy.num_levels()) {
    throw std::out_of_range("HierarchicalGrouping: level " + std::to_string(level) +
                            " is not in [0, " + std::to_string(hierarchy.num_levels()) + "]");
  }
}

}  // namespace

int HierarchicalGrouping::num_clusters(int level) const {
  check_level(*this, level);
  if (level == 0) return num_workers;
  if (level == num_levels()) return 1;
  return levels[static_cast<std::size_t>(level - 1)].num_groups();
}

int HierarchicalGrouping::cluster_of(int level, int worker) const {
  if (worker < 0 || worker >= num_workers) {
    throw std::out_of_range("HierarchicalGrouping: worker " + std::to_string(worker) +
                            " is not in [0, " + std::to_string(num_workers) + ")");
  }
  check_level(*this, level);
  if (level == 0) return worker;
  if (level == num_levels()) return 0;
  return levels[static_cast<std::size_t>(level - 1)]
      .group_of_worker[static_cast<std::size_t>(worker)];
}

int HierarchicalGrouping::parent(int level, int cluster) const {
  if (level < 0 || level >= num_levels()) {
    throw std::out_of_range("HierarchicalGrouping::parent: level " + std::to_string(level) +
                            " is not in [0, " + std::to_string(num_levels()) + ")");
  }
  if (cluster < 0 || cluster >= num_clusters(level)) {
    throw std::out_of_range("HierarchicalGrouping::parent: cluster " + std::to_string(cluster) +
                            " is not in [0, " + std::to_string(num_clusters(level)) + ")");
  }
  // Any member identifies the parent of a nested cluster; take the smallest.
  const int member = level == 0 ? cluster
                                : levels[static_cast<std::size_t>(level - 1)]
                                      .members[static_cast<std::size_t>(cluster)]
                                      .front();
  return cluster_of(level + 1, member);
}

Grouping HierarchicalGrouping::grouping_at(int level) const {
  check_level(*this, level);
  const auto n = static_cast<std::size_t>(num_workers);
  if (level == 0) {
    std::vector<int> singletons(n);
    std::iota(singletons.begin(), singletons.end(), 0);
    return Grouping::from_assignment(std::move(singletons));
  }
  if (level == num_levels()) return Grouping::from_assignment(std::vector<int>(n, 0));
  return levels[static_cast<std::size_t>(level - 1)];
}

void HierarchicalGrouping::validate(int n) const {
  if (n < 1) throw invalid_option("grouping.num_workers", n, "must be at least 1");
  if (num_workers != n) {
    throw invalid_option("grouping.num_workers", num_workers,
                         "must equal the number of workers (" + std::to_string(n) + ")");
  }
  for (std::size_t s = 0; s < levels.size(); ++s) {
    const int ell = static_cast<int>(s) + 1;
    try {
      levels[s].validate(n);
    } catch (const InputError& error) {
      throw InputError(level_name(ell) + ": " + error.what());
    }
    const int count = levels[s].num_groups();
    const int finer = num_clusters(ell - 1);
    if (count > finer) {
      throw InputError(level_name(ell) + " has " + std::to_string(count) + " clusters but level " +
                       std::to_string(ell - 1) + " has " + std::to_string(finer) +
                       std::string(kCountRule));
    }
  }
  // Nesting of consecutive stored levels (the implicit end levels nest with anything).
  for (std::size_t s = 0; s + 1 < levels.size(); ++s) {
    const Grouping& finer = levels[s];
    const Grouping& coarser = levels[s + 1];
    for (std::size_t c = 0; c < finer.members.size(); ++c) {
      const auto& cluster = finer.members[c];
      const int first = cluster.front();
      const int first_parent = coarser.group_of_worker[static_cast<std::size_t>(first)];
      for (int worker : cluster) {
        const int other_parent = coarser.group_of_worker[static_cast<std::size_t>(worker)];
        if (other_parent == first_parent) continue;
        const int ell = static_cast<int>(s) + 1;
        throw InputError(
            level_name(ell) + " cluster " + std::to_string(c) + " (" + describe_members(cluster) +
            ") straddles level-" + std::to_string(ell + 1) + " clusters " +
            std::to_string(first_parent) + " and " + std::to_string(other_parent) + ": worker " +
            std::to_string(first) + " is in cluster " + std::to_string(first_parent) + ", worker " +
            std::to_string(worker) + " in cluster " + std::to_string(other_parent) +
            "; every cluster must lie inside one cluster of the next level");
      }
    }
  }
}

HierarchicalGrouping nested_grouping(int num_workers, const std::vector<int>& cluster_sizes,
                                     bool random, RandomStream* rng) {
  if (num_workers < 1) {
    throw invalid_option("grouping.num_workers", num_workers, "must be at least 1");
  }
  for (std::size_t s = 0; s < cluster_sizes.size(); ++s) {
    const int size = cluster_sizes[s];
    if (s == 0 && size < 2) {
      throw invalid_option(size_field(s), size,
                           "must be at least 2 (clusters of one worker are the implicit level 0)");
    }
    if (s > 0) {
      const int previous = cluster_sizes[s - 1];
      if (size <= previous) {
        throw invalid_option(size_field(s), size,
                             "must be greater than " + size_field(s - 1) + " (" +
                                 std::to_string(previous) + "); sizes must strictly increase");
      }
      if (size % previous != 0) {
        throw invalid_option(size_field(s), size,
                             "must be a multiple of " + size_field(s - 1) + " (" +
                                 std::to_string(previous) + ") so that clusters nest");
      }
    }
    if (size >= num_workers) {
      throw invalid_option(size_field(s), size,
                           "must be less than the number of workers (" +
                               std::to_string(num_workers) +
                               "); the all-workers level is implicit");
    }
    if (num_workers % size != 0) {
      throw invalid_option(
          size_field(s), size,
          "must divide the number of workers (" + std::to_string(num_workers) + ")");
    }
  }
  if (random && rng == nullptr) {
    throw InputError("nested_grouping: a random nested grouping needs a RandomStream, got none");
  }

  std::vector<int> order(static_cast<std::size_t>(num_workers));
  std::iota(order.begin(), order.end(), 0);
  if (random) rng->shuffle(std::span<int>(order));

  HierarchicalGrouping hierarchy{.num_workers = num_workers, .levels = {}};
  hierarchy.levels.reserve(cluster_sizes.size());
  for (int size : cluster_sizes) {
    std::vector<int> group_of_worker(order.size());
    for (std::size_t p = 0; p < order.size(); ++p) {
      group_of_worker[static_cast<std::size_t>(order[p])] =
          static_cast<int>(p / static_cast<std::size_t>(size));
    }
    hierarchy.levels.push_back(Grouping::from_assignment(std::move(group_of_worker)));
  }
  hierarchy.validate(num_workers);
  return hierarchy;
}

HierarchicalGrouping from_two_level(const Grouping& grouping) {
  HierarchicalGrouping hierarchy{.num_workers = grouping.num_workers(), .levels = {grouping}};
  hierarchy.validate(grouping.num_workers());
  return hierarchy;
}

}  // namespace dsgdlab
