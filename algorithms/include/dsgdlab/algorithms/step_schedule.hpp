#pragma once

/// Step sizes η_k. Toolkit convention (theory.md §1): a stochastic gradient is the MEAN of M
/// per-sample gradients and the update is x ← x − η_k g; the AD-PSGD and A-PSGD papers' sum
/// convention with step γ converts by η = γ·M.

#include <cstdint>
#include <string_view>

namespace dsgdlab {

enum class StepScheduleKind {
  kConstant,     ///< η_k = η_0
  kInverseSqrt,  ///< η_k = η_0 / √(1 + k / decay_every)
  kStepDecay,    ///< η_k = η_0 · decay_factor^{⌊k / decay_every⌋}
};

/// "constant", "inverse_sqrt", "step_decay".
std::string_view to_string(StepScheduleKind kind);
/// Inverse of to_string; throws InputError naming `field`, the value and the valid names.
StepScheduleKind parse_step_schedule_kind(std::string_view name,
                                          std::string_view field = "algorithm.schedule");

/// The step-size schedule. k counts the algorithm's iterations (rounds for synchronous
/// algorithms, applied updates for asynchronous ones).
struct StepSchedule {
  StepScheduleKind kind = StepScheduleKind::kConstant;
  /// η_0 > 0. Default 0.05.
  double initial = 0.05;
  /// Multiplier of step_decay, in (0, 1]. Default 0.5.
  double decay_factor = 0.5;
  /// Iterations per decay unit (inverse_sqrt: the time scale; step_decay: the period), ≥ 1.
  std::int64_t decay_every = 1000;

  /// η_k for iteration k ≥ 0.
  double at(std::int64_t k) const;

  /// Throws InputError naming the field (prefixed "algorithm.") and the rule.
  void validate() const;
};

}  // namespace dsgdlab
