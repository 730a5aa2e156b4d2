#include "dsgdlab/algorithms/step_schedule.hpp"

#include <cmath>
#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

std::string_view to_string(StepScheduleKind kind) {
  switch (kind) {
    case StepScheduleKind::kConstant: return "constant";
    case StepScheduleKind::kInverseSqrt: return "inverse_sqrt";
    case StepScheduleKind::kStepDecay: return "step_decay";
  }
  return "unknown";
}

StepScheduleKind parse_step_schedule_kind(std::string_view name, std::string_view field) {
  for (auto kind : {StepScheduleKind::kConstant, StepScheduleKind::kInverseSqrt,
                    StepScheduleKind::kStepDecay}) {
    if (to_string(kind) == name) return kind;
  }
  throw invalid_option(field, name, "must be one of constant, inverse_sqrt, step_decay");
}

double StepSchedule::at(std::int64_t k) const {
  switch (kind) {
    case StepScheduleKind::kConstant: return initial;
    case StepScheduleKind::kInverseSqrt:
      return initial / std::sqrt(1.0 + static_cast<double>(k) / static_cast<double>(decay_every));
    case StepScheduleKind::kStepDecay:
      return initial * std::pow(decay_factor, static_cast<double>(k / decay_every));
  }
  return initial;
}

void StepSchedule::validate() const {
  if (!(initial > 0.0) || !std::isfinite(initial)) {
    throw invalid_option("algorithm.step_size", initial, "must be a positive finite number");
  }
  if (!(decay_factor > 0.0 && decay_factor <= 1.0)) {
    throw invalid_option("algorithm.decay_factor", decay_factor, "must lie in (0, 1]");
  }
  if (decay_every < 1) {
    throw invalid_option("algorithm.decay_every", decay_every, "must be at least 1");
  }
}

}  // namespace dsgdlab
