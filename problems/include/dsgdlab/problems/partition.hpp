#pragma once

/// Assignment of a data set's samples to workers: IID and the standard non-IID schemes of the
/// federated/decentralised learning literature (label skew by per-class Dirichlet draws,
/// pathological "k classes per worker", quantity skew).

#include <span>
#include <string_view>
#include <vector>

#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/types.hpp"
#include "dsgdlab/problems/dataset.hpp"

namespace dsgdlab {

enum class PartitionScheme {
  kIid,               ///< shuffle, cut into n parts of sizes differing by at most one
  kDirichlet,         ///< label skew: class k split in proportions q_k ~ Dir(α·1_n)
  kClassesPerWorker,  ///< pathological: every worker holds exactly k classes
  kQuantitySkew,      ///< sizes ∝ Dir(β·1_n), labels IID
};

/// Stable names: "iid", "dirichlet", "classes_per_worker", "quantity_skew".
std::string_view to_string(PartitionScheme scheme);

/// Inverse of to_string; throws InputError listing the valid names for anything else.
PartitionScheme parse_partition_scheme(std::string_view name);

/// Options of partition_dataset. Field names in errors are "partition.FIELD". Every field is
/// validated whatever the scheme; each is used only by the schemes named below.
///
/// | option                 | default | range | used by                 | meaning |
/// |------------------------|---------|-------|-------------------------|--------------------------|
/// | scheme                 | kIid    |       | all                     | partition scheme | |
/// num_workers            | 1       | ≥ 1   | all                     | n                        |
/// | dirichlet_alpha        | 0.5     | > 0   | dirichlet               | α of q_k ~ Dir(α·1_n) |
/// | min_samples_per_worker | 1       | ≥ 1   | all                     | smallest worker size | |
/// classes_per_worker     | 2       | ≥ 1   | classes_per_worker      | k (≤ K, n·k ≥ K)         |
/// | quantity_skew_alpha    | 1.0     | > 0   | quantity_skew           | β of sizes ∝ Dir(β·1_n) |
/// | max_attempts           | 1000    | ≥ 1   | dirichlet               | redraws for the min size
/// |
///
/// Constraints involving the data (n·min_samples_per_worker ≤ N, classes_per_worker ≤ K,
/// n·classes_per_worker ≥ K) are checked by partition_dataset, which names both values.
struct PartitionOptions {
  PartitionScheme scheme = PartitionScheme::kIid;
  int num_workers = 1;
  double dirichlet_alpha = 0.5;
  Index min_samples_per_worker = 1;
  int classes_per_worker = 2;
  double quantity_skew_alpha = 1.0;
  int max_attempts = 1000;

  /// Throws InputError naming the first invalid field, e.g.
  /// "partition.dirichlet_alpha (0) must be finite and positive".
  void validate() const;
};

/// Splits the samples of `data` among options.num_workers workers. Within each worker the
/// sample indices are sorted ascending; the same data, options and stream state give the same
/// partition. Stream use, per scheme:
/// - iid: one shuffle of [0, N); worker i gets the i-th consecutive piece, the first N mod n
///   pieces one sample larger.
/// - dirichlet: per attempt, for each class k = 0..K−1 in order: q_k = draw_dirichlet(α, n),
///   then a shuffle of class k's samples (ascending indices), cut into consecutive pieces of
///   sizes apportion_largest_remainder(N_k, q_k) for workers 0..n−1. If some worker ends with
///   fewer than min_samples_per_worker samples, everything is redrawn (continuing the stream);
///   after max_attempts failures an InputError names α, n, N, the minimum and the attempts.
/// - classes_per_worker (k = classes_per_worker): one shuffle of the class order [0, K); worker
///   i holds classes order[(i·k + c) mod K], c < k (distinct since k ≤ K; every class has a
///   holder since n·k ≥ K). Then for each class in order 0..K−1 a shuffle of its samples, cut
///   into consecutive pieces for its holders in ascending worker order, sizes differing by at
///   most one (the first holders get the larger pieces). Throws InputError if a worker ends
///   with fewer than min_samples_per_worker samples (for example a class with fewer samples
///   than holders).
/// - quantity_skew: q = draw_dirichlet(β, n); sizes m_i = min + apportion_largest_remainder(
///   N − n·min, q)_i with min = min_samples_per_worker; then one shuffle of [0, N) cut into
///   consecutive pieces of sizes m_0, m_1, ….
/// Throws InputError if the data set is invalid (Dataset::validate), the options are invalid,
/// or a data-dependent constraint fails.
Partition partition_dataset(const Dataset& data, const PartitionOptions& options,
                            RandomStream& rng);

/// Largest-remainder (Hamilton) apportionment: counts c_i ≥ 0 with Σ c_i = total exactly,
/// c_i = ⌊total·w_i/Σw⌋ plus one for the (total − Σ⌊·⌋) entries with the largest fractional
/// parts (ties: lower index first). Weights must be finite, non-negative, with a positive sum
/// (throws std::invalid_argument otherwise); total ≥ 0.
std::vector<Index> apportion_largest_remainder(Index total, std::span<const double> weights);

/// One draw q ~ Dir(α·1_n): q_i = G_i / Σ_j G_j with G_i ~ Gamma(α) i.i.d. from
/// RandomStream::gamma. For α < 1 the gammas are combined in log space, log G_i =
/// log Gamma(α + 1) + log(U)/α (the same boost, and the same random numbers, that
/// RandomStream::gamma uses), so that tiny α cannot underflow every G_i to zero. α > 0, n ≥ 1.
std::vector<double> draw_dirichlet(double alpha, int n, RandomStream& rng);

}  // namespace dsgdlab
