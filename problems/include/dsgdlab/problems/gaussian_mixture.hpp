#pragma once

/// Seeded K-class Gaussian mixture: the synthetic classification data set of dsgdlab.
///
/// Class means μ_k ~ N(0, (class_separation²/p)·I_p), so E‖μ_k‖² = class_separation² and
/// E‖μ_k − μ_l‖² = 2·class_separation² for k ≠ l. Sample s of class k is
/// a_s = μ_k + noise_stddev·z_s with z_s ~ N(0, I_p). Labels are balanced (class sizes differ by
/// at most one) and appear in a shuffled order.

#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/types.hpp"
#include "dsgdlab/problems/dataset.hpp"

namespace dsgdlab {

/// Options of generate_gaussian_mixture. Field names in errors are "gaussian_mixture.FIELD".
///
/// | option           | default | range      | meaning                                      |
/// |------------------|---------|------------|----------------------------------------------|
/// | num_samples      | 2000    | ≥ 1        | N, number of samples                         |
/// | num_features     | 20      | ≥ 1        | p, feature dimension                         |
/// | num_classes      | 4       | [1, N]     | K, number of classes                         |
/// | class_separation | 2.0     | ≥ 0        | sep: μ_k ~ N(0, (sep²/p)·I), E‖μ_k‖² = sep²  |
/// | noise_stddev     | 1.0     | > 0        | σ: a_s = μ_{y_s} + σ·z_s                     |
struct GaussianMixtureOptions {
  Index num_samples = 2000;
  Index num_features = 20;
  int num_classes = 4;
  double class_separation = 2.0;
  double noise_stddev = 1.0;

  /// Throws InputError naming the first invalid field, e.g.
  /// "gaussian_mixture.num_classes (0) must be at least 1".
  void validate() const;
};

/// A generated mixture together with the class means it was drawn around.
struct GaussianMixtureSample {
  Dataset dataset;
  /// p × K matrix; column k is μ_k.
  Matrix class_means;
};

/// Draws a mixture. Stream layout (part of the reproducibility contract): first the K means,
/// column by column (p normals each); then the N balanced labels (label s mod K for s < N,
/// shuffled with RandomStream::shuffle); then the samples in order s = 0..N−1 (p normals each).
/// Targets are left empty.
GaussianMixtureSample generate_gaussian_mixture_with_means(const GaussianMixtureOptions& options,
                                                           RandomStream& rng);

/// generate_gaussian_mixture_with_means without the means (same draws, same data set).
Dataset generate_gaussian_mixture(const GaussianMixtureOptions& options, RandomStream& rng);

}  // namespace dsgdlab
