#pragma once

/// Which distributed algorithm runs and with which hyper-parameters (theory.md §2).

#include <cstdint>
#include <string_view>
#include <vector>

#include "dsgdlab/algorithms/step_schedule.hpp"

namespace dsgdlab {

enum class AlgorithmKind {
  kSgd,           ///< "sgd": one worker, x ← x − η g(x)
  kAllreduceSgd,  ///< "allreduce_sgd": x ← x − η (1/n) Σ_i g_i(x), one allreduce per step
  kDpsgd,         ///< "dpsgd": X ← X W − η G(X), synchronous gossip
  kAdpsgd,        ///< "adpsgd": asynchronous pairwise averaging with stale gradients
  kApsgd,         ///< "apsgd": asynchronous parameter server
  kLocalSgd,      ///< "local_sgd": local steps, global average every P steps
  kHsgd,          ///< "hsgd": hierarchical SGD, two or more levels of periodic averaging
};

/// "sgd", "allreduce_sgd", "dpsgd", "adpsgd", "apsgd", "local_sgd", "hsgd".
std::string_view to_string(AlgorithmKind kind);
/// Inverse of to_string; throws InputError naming `field`, the value and the valid names.
AlgorithmKind parse_algorithm_kind(std::string_view name,
                                   std::string_view field = "algorithm.name");
/// True for adpsgd and apsgd (no barriers; staleness is measured).
bool is_asynchronous(AlgorithmKind kind);

/// AD-PSGD partner selection (theory.md §2 "Deadlock freedom").
enum class PairingMode {
  kRandom,     ///< "random": any worker initiates with a uniformly random neighbour
  kBipartite,  ///< "bipartite": only the active side of a bipartite graph initiates
};
std::string_view to_string(PairingMode mode);
PairingMode parse_pairing_mode(std::string_view name, std::string_view field = "algorithm.pairing");

/// Hyper-parameters of every algorithm. Fields that an algorithm does not use are ignored by
/// it (and validated only for range).
struct AlgorithmOptions {
  AlgorithmKind kind = AlgorithmKind::kSgd;
  /// η_k (mean convention).
  StepSchedule step;
  /// M ≥ 1: per-sample gradients averaged into one stochastic gradient.
  int batch_size = 1;
  /// local_sgd: P ≥ 1, steps between global averages. Default 1 (= AllReduce-SGD).
  std::int64_t period = 1;
  /// hsgd (two levels): I ≥ 1, steps between group averages. Default 1.
  std::int64_t local_period = 1;
  /// hsgd (two levels): G, a multiple of I, steps between global averages. Default 1.
  std::int64_t global_period = 1;
  /// hsgd (multi-level): P_1 | P_2 | … | P_M, one period per level, finest first; when
  /// non-empty it replaces local_period/global_period and the grouping must have M levels.
  std::vector<std::int64_t> level_periods;
  /// adpsgd partner selection. Default random.
  PairingMode pairing = PairingMode::kRandom;

  /// Throws InputError naming the field (prefixed "algorithm."), the value and the rule, e.g.
  /// "algorithm.global_period (10) must be a multiple of algorithm.local_period (4)".
  void validate() const;

  /// The averaging periods of the periodic-averaging family, finest level first:
  /// allreduce_sgd {1}, local_sgd {P}, hsgd {I, G} or level_periods; empty for the others.
  std::vector<std::int64_t> averaging_periods() const;
};

}  // namespace dsgdlab
