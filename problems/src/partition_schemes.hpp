#pragma once

/// Private to dsgdlab::problems: the partition schemes behind partition_dataset. Each takes a
/// validated data set and options (data-dependent checks already done) and returns a partition
/// with every worker's indices sorted ascending.

#include <span>
#include <vector>

#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/dataset.hpp"
#include "dsgdlab/problems/partition.hpp"

namespace dsgdlab::partition_detail {

/// members[k] = the indices of the samples of class k, ascending.
std::vector<std::vector<Index>> class_members(const Dataset& data);

/// `parts` sizes summing to `total` and differing by at most one (the first total mod parts
/// are the larger).
std::vector<Index> even_sizes(Index total, std::size_t parts);

/// Appends consecutive pieces of `items` of the given sizes to the given workers:
/// piece j (size sizes[j]) goes to worker_samples[workers[j]]. Σ sizes = items.size().
void append_pieces(std::span<const Index> items, std::span<const Index> sizes,
                   std::span<const int> workers, std::vector<std::vector<Index>>& worker_samples);

/// Sorts every worker's sample indices ascending.
void sort_workers(Partition& partition);

Partition partition_iid(const Dataset& data, const PartitionOptions& options, RandomStream& rng);
Partition partition_dirichlet(const Dataset& data, const PartitionOptions& options,
                              RandomStream& rng);
Partition partition_classes_per_worker(const Dataset& data, const PartitionOptions& options,
                                       RandomStream& rng);
Partition partition_quantity_skew(const Dataset& data, const PartitionOptions& options,
                                  RandomStream& rng);

}  // namespace dsgdlab::partition_detail
