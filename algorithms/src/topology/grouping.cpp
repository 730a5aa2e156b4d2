#include "dsgdlab/algorithms/topology/grouping.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

// Exact products of two sample counts (each < 2^63) for comparing proportions without
// rounding; __extension__ keeps -Wpedantic quiet about the type.
__extension__ using Int128 = __int128;

std::string indexed(std::string_view field, std::size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

void check_worker_count(int num_workers) {
  if (num_workers < 1)
    throw invalid_option("grouping.num_workers", num_workers, "must be at least 1");
}

void check_group_count(int num_workers, int num_groups) {
  check_worker_count(num_workers);
  if (num_groups < 1 || num_groups > num_workers) {
    throw invalid_option(
        "grouping.num_groups", num_groups,
        "must be between 1 and the number of workers (" + std::to_string(num_workers) + ")");
  }
}

void check_divides(int num_workers, int num_groups, std::string_view scheme) {
  check_group_count(num_workers, num_groups);
  if (num_workers % num_groups != 0) {
    throw invalid_option("grouping.num_groups", num_groups,
                         "must divide the number of workers (" + std::to_string(num_workers) +
                             ") for " + std::string(scheme));
  }
}

// Sorted position p of `order` goes to group group_of_position(p).
template <typename GroupOfPosition>
Grouping assign_positions(const std::vector<int>& order, GroupOfPosition group_of_position) {
  std::vector<int> group_of_worker(order.size());
  for (std::size_t p = 0; p < order.size(); ++p) {
    group_of_worker[static_cast<std::size_t>(order[p])] = group_of_position(p);
  }
  return Grouping::from_assignment(std::move(group_of_worker));
}

void validate_label_counts(const std::vector<std::vector<Index>>& label_counts) {
  constexpr std::string_view kField = "grouping.label_counts";
  if (label_counts.empty()) {
    throw InputError(std::string(kField) + " is empty; there must be at least one worker");
  }
  const std::size_t num_classes = label_counts.front().size();
  if (num_classes == 0) {
    throw InputError(indexed(kField, 0) + " has no classes; there must be at least one");
  }
  for (std::size_t i = 0; i < label_counts.size(); ++i) {
    const auto& row = label_counts[i];
    if (row.size() != num_classes) {
      throw InputError(indexed(kField, i) + " has " + std::to_string(row.size()) + " classes but " +
                       indexed(kField, 0) + " has " + std::to_string(num_classes) +
                       "; every worker needs the same classes");
    }
    Index total = 0;
    for (std::size_t k = 0; k < num_classes; ++k) {
      if (row[k] < 0) {
        throw invalid_option(indexed(indexed(kField, i), k), row[k], "must be non-negative");
      }
      total += row[k];
    }
    if (total == 0) {
      throw InputError(indexed(kField, i) +
                       " has no samples; every worker needs at least one to define its label "
                       "distribution");
    }
  }
}

struct LabelProfile {
  int worker = 0;
  std::size_t dominant_class = 0;
  Index total = 0;
  const std::vector<Index>* counts = nullptr;
};

// a before b: smaller dominant class, then larger proportion vector (lexicographic), then id.
bool precedes(const LabelProfile& a, const LabelProfile& b) {
  if (a.dominant_class != b.dominant_class) return a.dominant_class < b.dominant_class;
  for (std::size_t k = 0; k < a.counts->size(); ++k) {
    // c_a[k]/t_a versus c_b[k]/t_b, exactly.
    const Int128 lhs = static_cast<Int128>((*a.counts)[k]) * static_cast<Int128>(b.total);
    const Int128 rhs = static_cast<Int128>((*b.counts)[k]) * static_cast<Int128>(a.total);
    if (lhs != rhs) return lhs > rhs;
  }
  return a.worker < b.worker;
}

}  // namespace

std::vector<int> Grouping::group_sizes() const {
  std::vector<int> sizes;
  sizes.reserve(members.size());
  for (const auto& group : members) sizes.push_back(static_cast<int>(group.size()));
  return sizes;
}

bool Grouping::equal_sizes() const {
  return std::all_of(members.begin(), members.end(),
                     [this](const auto& group) { return group.size() == members.front().size(); });
}

Grouping Grouping::from_assignment(std::vector<int> group_of_worker) {
  if (group_of_worker.empty()) {
    throw InputError("grouping.group_of_worker is empty; there must be at least one worker");
  }
  int largest = 0;
  for (std::size_t i = 0; i < group_of_worker.size(); ++i) {
    if (group_of_worker[i] < 0) {
      throw invalid_option(indexed("grouping.group_of_worker", i), group_of_worker[i],
                           "must be a non-negative group id");
    }
    largest = std::max(largest, group_of_worker[i]);
  }
  // New ids in order of first appearance, which is the order of the groups' smallest members.
  std::vector<int> new_id(static_cast<std::size_t>(largest) + 1, -1);
  Grouping grouping;
  for (int& group : group_of_worker) {
    int& id = new_id[static_cast<std::size_t>(group)];
    if (id < 0) {
      id = static_cast<int>(grouping.members.size());
      grouping.members.emplace_back();
    }
    group = id;
  }
  for (std::size_t g = 0; g < new_id.size(); ++g) {
    if (new_id[g] < 0) {
      throw InputError("grouping.group_of_worker uses group id " + std::to_string(largest) +
                       " but not " + std::to_string(g) +
                       "; group ids must be 0..num_groups-1, each with at least one worker");
    }
  }
  for (std::size_t i = 0; i < group_of_worker.size(); ++i) {
    grouping.members[static_cast<std::size_t>(group_of_worker[i])].push_back(static_cast<int>(i));
  }
  grouping.group_of_worker = std::move(group_of_worker);
  return grouping;
}

void Grouping::validate(int num_workers) const {
  check_worker_count(num_workers);
  const auto n = static_cast<std::size_t>(num_workers);
  if (group_of_worker.size() != n) {
    throw InputError("grouping.group_of_worker has " + std::to_string(group_of_worker.size()) +
                     " entries but there are " + std::to_string(n) + " workers");
  }
  if (members.empty())
    throw InputError("grouping.members is empty; there must be at least one group");
  for (std::size_t i = 0; i < n; ++i) {
    if (group_of_worker[i] < 0 || group_of_worker[i] >= num_groups()) {
      throw invalid_option(indexed("grouping.group_of_worker", i), group_of_worker[i],
                           "must be a group id in [0, " + std::to_string(num_groups()) + ")");
    }
  }
  std::size_t listed = 0;
  for (std::size_t g = 0; g < members.size(); ++g) {
    const auto& group = members[g];
    const std::string field = indexed("grouping.members", g);
    if (group.empty()) throw InputError(field + " is empty; every group needs at least one worker");
    for (std::size_t m = 0; m < group.size(); ++m) {
      const int worker = group[m];
      if (worker < 0 || worker >= num_workers) {
        throw InputError(field + " lists worker " + std::to_string(worker) +
                         ", which is not in [0, " + std::to_string(num_workers) + ")");
      }
      if (m > 0 && worker <= group[m - 1]) {
        throw InputError(field + " lists worker " + std::to_string(worker) + " after worker " +
                         std::to_string(group[m - 1]) + "; members must be strictly ascending");
      }
      if (group_of_worker[static_cast<std::size_t>(worker)] != static_cast<int>(g)) {
        throw InputError(field + " lists worker " + std::to_string(worker) + ", but " +
                         indexed("grouping.group_of_worker", static_cast<std::size_t>(worker)) +
                         " is " +
                         std::to_string(group_of_worker[static_cast<std::size_t>(worker)]));
      }
    }
    if (g > 0 && group.front() < members[g - 1].front()) {
      throw InputError(field + " starts with worker " + std::to_string(group.front()) + " but " +
                       indexed("grouping.members", g - 1) + " starts with worker " +
                       std::to_string(members[g - 1].front()) +
                       "; groups must be ordered by their smallest member");
    }
    listed += group.size();
  }
  if (listed != n) {
    throw InputError("grouping.members lists " + std::to_string(listed) +
                     " workers in total but there are " + std::to_string(n) +
                     "; every worker must be in exactly one group");
  }
}

Grouping contiguous_grouping(int num_workers, int num_groups) {
  check_group_count(num_workers, num_groups);
  const int base = num_workers / num_groups;
  const int larger = num_workers % num_groups;  // groups 0..larger−1 have base + 1 workers
  std::vector<int> group_of_worker;
  group_of_worker.reserve(static_cast<std::size_t>(num_workers));
  for (int g = 0; g < num_groups; ++g) {
    const int size = base + (g < larger ? 1 : 0);
    group_of_worker.insert(group_of_worker.end(), static_cast<std::size_t>(size), g);
  }
  return Grouping::from_assignment(std::move(group_of_worker));
}

Grouping random_equal_grouping(int num_workers, int num_groups, RandomStream& rng) {
  check_divides(num_workers, num_groups, "random equal-size grouping");
  std::vector<int> order(static_cast<std::size_t>(num_workers));
  std::iota(order.begin(), order.end(), 0);
  rng.shuffle(std::span<int>(order));
  const auto size = static_cast<std::size_t>(num_workers / num_groups);
  return assign_positions(order, [size](std::size_t p) { return static_cast<int>(p / size); });
}

std::vector<int> workers_sorted_by_label_profile(
    const std::vector<std::vector<Index>>& label_counts) {
  validate_label_counts(label_counts);
  std::vector<LabelProfile> profiles(label_counts.size());
  for (std::size_t i = 0; i < label_counts.size(); ++i) {
    const auto& row = label_counts[i];
    auto& profile = profiles[i];
    profile.worker = static_cast<int>(i);
    profile.counts = &row;
    profile.dominant_class =
        static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
    profile.total = std::accumulate(row.begin(), row.end(), Index{0});
  }
  // The id tie-break makes the order total, so std::sort's result is unique.
  std::sort(profiles.begin(), profiles.end(), precedes);
  std::vector<int> order;
  order.reserve(profiles.size());
  for (const auto& profile : profiles) order.push_back(profile.worker);
  return order;
}

Grouping label_aligned_grouping(const std::vector<std::vector<Index>>& label_counts,
                                int num_groups) {
  const std::vector<int> order = workers_sorted_by_label_profile(label_counts);
  check_divides(static_cast<int>(order.size()), num_groups, "label-aligned grouping");
  const auto size = order.size() / static_cast<std::size_t>(num_groups);
  return assign_positions(order, [size](std::size_t p) { return static_cast<int>(p / size); });
}

Grouping label_covering_grouping(const std::vector<std::vector<Index>>& label_counts,
                                 int num_groups) {
  const std::vector<int> order = workers_sorted_by_label_profile(label_counts);
  check_divides(static_cast<int>(order.size()), num_groups, "label-covering grouping");
  const auto groups = static_cast<std::size_t>(num_groups);
  return assign_positions(order, [groups](std::size_t p) { return static_cast<int>(p % groups); });
}

namespace {

constexpr std::array<CatalogEntry, 5> kGroupingCatalog{{
    {"contiguous", "blocks of consecutive worker ids, sizes as equal as possible"},
    {"random", "uniformly random partition into equal-size groups (seeded)"},
    {"label_aligned",
     "group non-IID: workers with similar label distributions share a group (large upward "
     "divergence)"},
    {"label_covering",
     "group IID: label-sorted workers dealt round-robin, each group spans all labels (small "
     "upward divergence)"},
    {"nested",
     "multi-level: nested clusters of given sizes, contiguous or uniformly random (multi-level "
     "H-SGD)"},
}};

constexpr std::array<GroupingScheme, 4> kSchemes{
    GroupingScheme::kContiguous, GroupingScheme::kRandom, GroupingScheme::kLabelAligned,
    GroupingScheme::kLabelCovering};

}  // namespace

std::string_view to_string(GroupingScheme scheme) {
  switch (scheme) {
    case GroupingScheme::kContiguous: return "contiguous";
    case GroupingScheme::kRandom: return "random";
    case GroupingScheme::kLabelAligned: return "label_aligned";
    case GroupingScheme::kLabelCovering: return "label_covering";
  }
  return "unknown";
}

GroupingScheme parse_grouping_scheme(std::string_view name, std::string_view field) {
  std::string choices;
  for (GroupingScheme scheme : kSchemes) {
    if (name == to_string(scheme)) return scheme;
    if (!choices.empty()) choices += ", ";
    choices += to_string(scheme);
  }
  throw invalid_option(field, name, "must be one of " + choices);
}

std::span<const CatalogEntry> grouping_catalog() { return kGroupingCatalog; }

void GroupingOptions::validate() const {
  if (num_groups < 1) throw invalid_option("grouping.num_groups", num_groups, "must be at least 1");
}

Grouping make_grouping(const GroupingOptions& options, int num_workers,
                       const std::vector<std::vector<Index>>* label_counts) {
  options.validate();
  const bool needs_labels = options.scheme == GroupingScheme::kLabelAligned ||
                            options.scheme == GroupingScheme::kLabelCovering;
  if (needs_labels) {
    if (label_counts == nullptr) {
      throw invalid_option("grouping.scheme", to_string(options.scheme),
                           "needs the workers' label counts, but none were given");
    }
    if (label_counts->size() != static_cast<std::size_t>(num_workers)) {
      throw InputError("grouping.label_counts has " + std::to_string(label_counts->size()) +
                       " rows but there are " + std::to_string(num_workers) + " workers");
    }
  }
  switch (options.scheme) {
    case GroupingScheme::kContiguous: return contiguous_grouping(num_workers, options.num_groups);
    case GroupingScheme::kRandom: {
      RandomStream rng(StreamKey{.seed = options.seed, .purpose = StreamPurpose::kGrouping});
      return random_equal_grouping(num_workers, options.num_groups, rng);
    }
    case GroupingScheme::kLabelAligned:
      return label_aligned_grouping(*label_counts, options.num_groups);
    case GroupingScheme::kLabelCovering:
      return label_covering_grouping(*label_counts, options.num_groups);
  }
  throw invalid_option("grouping.scheme", static_cast<int>(options.scheme), "is not a scheme");
}

}  // namespace dsgdlab
