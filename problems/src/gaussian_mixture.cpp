#include "dsgdlab/problems/gaussian_mixture.hpp"

#include <cmath>
#include <span>
#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

void GaussianMixtureOptions::validate() const {
  if (num_samples < 1)
    throw invalid_option("gaussian_mixture.num_samples", num_samples, "must be at least 1");
  if (num_features < 1)
    throw invalid_option("gaussian_mixture.num_features", num_features, "must be at least 1");
  if (num_classes < 1)
    throw invalid_option("gaussian_mixture.num_classes", num_classes, "must be at least 1");
  if (num_classes > num_samples) {
    throw invalid_option(
        "gaussian_mixture.num_classes", num_classes,
        "must be at most gaussian_mixture.num_samples (" + std::to_string(num_samples) + ")");
  }
  if (!(class_separation >= 0.0) || !std::isfinite(class_separation)) {
    throw invalid_option("gaussian_mixture.class_separation", class_separation,
                         "must be finite and non-negative");
  }
  if (!(noise_stddev > 0.0) || !std::isfinite(noise_stddev)) {
    throw invalid_option("gaussian_mixture.noise_stddev", noise_stddev,
                         "must be finite and positive");
  }
}

GaussianMixtureSample generate_gaussian_mixture_with_means(const GaussianMixtureOptions& options,
                                                           RandomStream& rng) {
  options.validate();
  const Index p = options.num_features;
  const Index n_samples = options.num_samples;
  const int k_classes = options.num_classes;

  GaussianMixtureSample result;
  result.class_means.resize(p, k_classes);
  const double mean_scale = options.class_separation / std::sqrt(static_cast<double>(p));
  for (Index k = 0; k < k_classes; ++k) {
    rng.fill_normal(result.class_means.col(k));
    result.class_means.col(k) *= mean_scale;
  }

  Dataset& data = result.dataset;
  data.num_classes = k_classes;
  data.labels.resize(static_cast<std::size_t>(n_samples));
  for (std::size_t s = 0; s < data.labels.size(); ++s)
    data.labels[s] = static_cast<int>(s % static_cast<std::size_t>(k_classes));
  rng.shuffle(std::span<int>(data.labels));

  data.features.resize(p, n_samples);
  for (Index s = 0; s < n_samples; ++s) {
    auto column = data.features.col(s);
    rng.fill_normal(column);
    column *= options.noise_stddev;
    column += result.class_means.col(data.labels[static_cast<std::size_t>(s)]);
  }
  return result;
}

Dataset generate_gaussian_mixture(const GaussianMixtureOptions& options, RandomStream& rng) {
  return generate_gaussian_mixture_with_means(options, rng).dataset;
}

}  // namespace dsgdlab
