#include "partition_schemes.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab::partition_detail {
namespace {

std::vector<int> all_workers(int n) {
  std::vector<int> workers(static_cast<std::size_t>(n));
  std::iota(workers.begin(), workers.end(), 0);
  return workers;
}

std::vector<Index> all_samples(Index n) {
  std::vector<Index> samples(static_cast<std::size_t>(n));
  std::iota(samples.begin(), samples.end(), Index{0});
  return samples;
}

Partition empty_partition(int n) {
  Partition partition;
  partition.worker_samples.resize(static_cast<std::size_t>(n));
  return partition;
}

Index smallest_worker(const Partition& partition) {
  Index smallest = 0;
  bool first = true;
  for (const auto& samples : partition.worker_samples) {
    const auto size = static_cast<Index>(samples.size());
    if (first || size < smallest) smallest = size;
    first = false;
  }
  return smallest;
}

}  // namespace

std::vector<std::vector<Index>> class_members(const Dataset& data) {
  std::vector<std::vector<Index>> members(static_cast<std::size_t>(data.num_classes));
  for (std::size_t s = 0; s < data.labels.size(); ++s)
    members[static_cast<std::size_t>(data.labels[s])].push_back(static_cast<Index>(s));
  return members;
}

std::vector<Index> even_sizes(Index total, std::size_t parts) {
  const auto count = static_cast<Index>(parts);
  std::vector<Index> sizes(parts, total / count);
  for (std::size_t j = 0; j < static_cast<std::size_t>(total % count); ++j) ++sizes[j];
  return sizes;
}

void append_pieces(std::span<const Index> items, std::span<const Index> sizes,
                   std::span<const int> workers, std::vector<std::vector<Index>>& worker_samples) {
  std::size_t next = 0;
  for (std::size_t j = 0; j < sizes.size(); ++j) {
    const auto size = static_cast<std::size_t>(sizes[j]);
    auto& target = worker_samples[static_cast<std::size_t>(workers[j])];
    target.insert(target.end(), items.begin() + static_cast<std::ptrdiff_t>(next),
                  items.begin() + static_cast<std::ptrdiff_t>(next + size));
    next += size;
  }
}

void sort_workers(Partition& partition) {
  for (auto& samples : partition.worker_samples) std::sort(samples.begin(), samples.end());
}

Partition partition_iid(const Dataset& data, const PartitionOptions& options, RandomStream& rng) {
  std::vector<Index> order = all_samples(data.num_samples());
  rng.shuffle(std::span<Index>(order));
  Partition partition = empty_partition(options.num_workers);
  const auto sizes = even_sizes(data.num_samples(), partition.worker_samples.size());
  append_pieces(order, sizes, all_workers(options.num_workers), partition.worker_samples);
  sort_workers(partition);
  return partition;
}

Partition partition_dirichlet(const Dataset& data, const PartitionOptions& options,
                              RandomStream& rng) {
  const auto members = class_members(data);
  const auto workers = all_workers(options.num_workers);
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    Partition partition = empty_partition(options.num_workers);
    for (const auto& class_samples : members) {
      const auto proportions = draw_dirichlet(options.dirichlet_alpha, options.num_workers, rng);
      std::vector<Index> shuffled = class_samples;
      rng.shuffle(std::span<Index>(shuffled));
      const auto sizes =
          apportion_largest_remainder(static_cast<Index>(shuffled.size()), proportions);
      append_pieces(shuffled, sizes, workers, partition.worker_samples);
    }
    if (smallest_worker(partition) >= options.min_samples_per_worker) {
      sort_workers(partition);
      return partition;
    }
  }
  throw InputError(
      "partition: dirichlet label skew with partition.dirichlet_alpha = " +
      describe_value(options.dirichlet_alpha) + ", " + std::to_string(options.num_workers) +
      " workers and " + std::to_string(data.num_samples()) +
      " samples left some worker with fewer than partition.min_samples_per_worker = " +
      std::to_string(options.min_samples_per_worker) + " samples in all " +
      std::to_string(options.max_attempts) +
      " attempts (partition.max_attempts); raise dirichlet_alpha or max_attempts, or lower "
      "num_workers or min_samples_per_worker");
}

Partition partition_classes_per_worker(const Dataset& data, const PartitionOptions& options,
                                       RandomStream& rng) {
  const auto num_classes = static_cast<std::size_t>(data.num_classes);
  const auto per_worker = static_cast<std::size_t>(options.classes_per_worker);
  std::vector<int> class_order(num_classes);
  std::iota(class_order.begin(), class_order.end(), 0);
  rng.shuffle(std::span<int>(class_order));

  // holders[k]: the workers holding class k, ascending (workers are visited in order).
  std::vector<std::vector<int>> holders(num_classes);
  std::vector<std::vector<int>> worker_classes(static_cast<std::size_t>(options.num_workers));
  for (std::size_t i = 0; i < worker_classes.size(); ++i) {
    for (std::size_t c = 0; c < per_worker; ++c) {
      const int k = class_order[(i * per_worker + c) % num_classes];
      holders[static_cast<std::size_t>(k)].push_back(static_cast<int>(i));
      worker_classes[i].push_back(k);
    }
  }

  const auto members = class_members(data);
  Partition partition = empty_partition(options.num_workers);
  for (std::size_t k = 0; k < num_classes; ++k) {
    std::vector<Index> shuffled = members[k];
    rng.shuffle(std::span<Index>(shuffled));
    const auto sizes = even_sizes(static_cast<Index>(shuffled.size()), holders[k].size());
    append_pieces(shuffled, sizes, holders[k], partition.worker_samples);
  }

  for (std::size_t i = 0; i < worker_classes.size(); ++i) {
    const auto size = static_cast<Index>(partition.worker_samples[i].size());
    if (size >= options.min_samples_per_worker) continue;
    std::string classes;
    for (int k : worker_classes[i]) {
      if (!classes.empty()) classes += ", ";
      classes += std::to_string(k) + " (" +
                 std::to_string(members[static_cast<std::size_t>(k)].size()) + " samples, " +
                 std::to_string(holders[static_cast<std::size_t>(k)].size()) + " holders)";
    }
    throw InputError(
        "partition: classes_per_worker leaves worker " + std::to_string(i) + " with " +
        std::to_string(size) + " samples, fewer than partition.min_samples_per_worker (" +
        std::to_string(options.min_samples_per_worker) + "); it holds classes " + classes);
  }
  sort_workers(partition);
  return partition;
}

Partition partition_quantity_skew(const Dataset& data, const PartitionOptions& options,
                                  RandomStream& rng) {
  const auto proportions = draw_dirichlet(options.quantity_skew_alpha, options.num_workers, rng);
  const Index minimum = options.min_samples_per_worker;
  const Index rest = data.num_samples() - minimum * options.num_workers;
  auto sizes = apportion_largest_remainder(rest, proportions);
  for (Index& size : sizes) size += minimum;

  std::vector<Index> order = all_samples(data.num_samples());
  rng.shuffle(std::span<Index>(order));
  Partition partition = empty_partition(options.num_workers);
  append_pieces(order, sizes, all_workers(options.num_workers), partition.worker_samples);
  sort_workers(partition);
  return partition;
}

}  // namespace dsgdlab::partition_detail
