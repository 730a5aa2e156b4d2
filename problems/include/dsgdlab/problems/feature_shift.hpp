#pragma once

/// Feature-distribution skew ("covariate shift") across workers. Composes with any partition:
/// partition first (label or quantity skew), then shift each worker's features.

#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/types.hpp"
#include "dsgdlab/problems/dataset.hpp"

namespace dsgdlab {

/// Options of shift_features. Field names in errors are "feature_shift.FIELD".
///
/// | option       | default | range | meaning                                               |
/// |--------------|---------|-------|-------------------------------------------------------|
/// | shift_scale  | 1.0     | ≥ 0   | c: δ_i ~ N(0, (c²/p)·I), so E‖δ_i‖² = c²              |
/// | scale_spread | 0.0     | ≥ 0   | v: s_i = exp(v·z_i), z_i ~ N(0, 1); 0 = no rescaling  |
struct FeatureShiftOptions {
  double shift_scale = 1.0;
  double scale_spread = 0.0;

  /// Throws InputError naming the first invalid field, e.g.
  /// "feature_shift.shift_scale (-1) must be finite and non-negative".
  void validate() const;
};

/// Returns a copy of `data` in which every sample a of worker i becomes s_i·a + δ_i, with
/// δ_i ~ N(0, (shift_scale²/p)·I_p) and s_i = exp(scale_spread·z_i), z_i ~ N(0, 1). Stream
/// layout: for each worker i = 0..n−1 in order, p normals for δ_i then one normal for z_i (drawn
/// even when scale_spread = 0, so δ_i does not depend on scale_spread). Labels, num_classes and
/// targets are copied unchanged. Throws InputError if the data set, the partition (which must
/// cover exactly data.num_samples() samples) or the options are invalid.
Dataset shift_features(const Dataset& data, const Partition& partition,
                       const FeatureShiftOptions& options, RandomStream& rng);

}  // namespace dsgdlab
