#include "dsgdlab/analysis/bounds/bound.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

std::string_view to_string(Provenance provenance) {
  switch (provenance) {
    case Provenance::kPaper: return "paper";
    case Provenance::kRecalled: return "recalled";
    case Provenance::kDerived: return "derived";
  }
  return "unknown";
}

bool Bound::conditions_hold() const {
  return std::all_of(conditions.begin(), conditions.end(),
                     [](const BoundCondition& condition) { return condition.holds; });
}

BoundCondition condition_less(std::string rule, double value, double threshold) {
  return {std::move(rule), value, threshold, value < threshold};
}

BoundCondition condition_less_equal(std::string rule, double value, double threshold) {
  return {std::move(rule), value, threshold, value <= threshold};
}

BoundCondition condition_greater(std::string rule, double value, double threshold) {
  return {std::move(rule), value, threshold, value > threshold};
}

BoundCondition condition_greater_equal(std::string rule, double value, double threshold) {
  return {std::move(rule), value, threshold, value >= threshold};
}

void BoundConstants::validate() const {
  if (!(smoothness > 0.0) || !std::isfinite(smoothness)) {
    throw invalid_option("constants.smoothness", smoothness, "must be finite and > 0");
  }
  if (!(noise_variance >= 0.0) || !std::isfinite(noise_variance)) {
    throw invalid_option("constants.noise_variance", noise_variance, "must be finite and >= 0");
  }
  if (!(heterogeneity >= 0.0) || !std::isfinite(heterogeneity)) {
    throw invalid_option("constants.heterogeneity", heterogeneity, "must be finite and >= 0");
  }
  if (!(initial_gap >= 0.0) || !std::isfinite(initial_gap)) {
    throw invalid_option("constants.initial_gap", initial_gap, "must be finite and >= 0");
  }
  if (num_workers < 1) throw invalid_option("constants.num_workers", num_workers, "must be >= 1");
  if (batch_size < 1) throw invalid_option("constants.batch_size", batch_size, "must be >= 1");
}

void BoundSchedule::validate() const {
  if (!(step > 0.0) || !std::isfinite(step)) {
    throw invalid_option("schedule.step", step, "must be finite and > 0");
  }
  if (iterations < 1) throw invalid_option("schedule.iterations", iterations, "must be >= 1");
}

}  // namespace dsgdlab
