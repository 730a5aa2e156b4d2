#pragma once

/// When and among whom the periodic-averaging algorithms average (theory.md §2): SGD,
/// AllReduce-SGD, local SGD and two- and multi-level H-SGD are one algorithm with different
/// levels. Engines ask this schedule; they never encode the rule themselves.

#include <cstdint>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"

namespace dsgdlab {

/// One averaging level: its period P_ℓ and its clusters C_ℓ (members ascending).
struct AveragingLevel {
  std::int64_t period = 1;
  std::vector<std::vector<int>> clusters;
};

class AveragingSchedule {
 public:
  /// allreduce_sgd: {P = 1: all}; local_sgd: {P: all}; hsgd: {P_ℓ: C_ℓ} for ℓ = 1..M with
  /// C_M = all workers; sgd and dpsgd: no level.
  explicit AveragingSchedule(const RunSetup& setup);

  /// ℓ*: the index of the largest level whose period divides t = k + 1 (the step just taken),
  /// or −1 when no level averages after step t.
  int level_after_step(std::int64_t t) const;

  const AveragingLevel& level(int index) const { return levels_[static_cast<std::size_t>(index)]; }
  bool empty() const { return levels_.empty(); }
  int num_levels() const { return static_cast<int>(levels_.size()); }

 private:
  std::vector<AveragingLevel> levels_;
};

}  // namespace dsgdlab
