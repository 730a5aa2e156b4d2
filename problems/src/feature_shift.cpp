#include "dsgdlab/problems/feature_shift.hpp"

#include <cmath>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

void FeatureShiftOptions::validate() const {
  if (!(shift_scale >= 0.0) || !std::isfinite(shift_scale)) {
    throw invalid_option("feature_shift.shift_scale", shift_scale,
                         "must be finite and non-negative");
  }
  if (!(scale_spread >= 0.0) || !std::isfinite(scale_spread)) {
    throw invalid_option("feature_shift.scale_spread", scale_spread,
                         "must be finite and non-negative");
  }
}

Dataset shift_features(const Dataset& data, const Partition& partition,
                       const FeatureShiftOptions& options, RandomStream& rng) {
  data.validate();
  partition.validate(data.num_samples());
  options.validate();

  Dataset shifted = data;
  const Index p = data.num_features();
  const double offset_scale = options.shift_scale / std::sqrt(static_cast<double>(p));
  Vector offset(p);
  for (const auto& samples : partition.worker_samples) {
    rng.fill_normal(offset);
    offset *= offset_scale;
    const double scale = std::exp(options.scale_spread * rng.normal());
    for (Index s : samples) shifted.features.col(s) = scale * data.features.col(s) + offset;
  }
  return shifted;
}

}  // namespace dsgdlab
