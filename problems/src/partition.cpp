#include "dsgdlab/problems/partition.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "dsgdlab/core/errors.hpp"
#include "partition_schemes.hpp"

namespace dsgdlab {
namespace {

constexpr PartitionScheme kAllSchemes[] = {PartitionScheme::kIid, PartitionScheme::kDirichlet,
                                           PartitionScheme::kClassesPerWorker,
                                           PartitionScheme::kQuantitySkew};

bool is_positive_finite(double value) { return value > 0.0 && std::isfinite(value); }

/// Checks the constraints that involve the data set; names both values in each message.
void check_against_data(const Dataset& data, const PartitionOptions& options) {
  const Index n = options.num_workers;
  const Index num_samples = data.num_samples();
  if (options.min_samples_per_worker > num_samples / n) {
    throw invalid_option("partition.num_workers", options.num_workers,
                         "times partition.min_samples_per_worker (" +
                             std::to_string(options.min_samples_per_worker) +
                             ") exceeds the number of samples (" + std::to_string(num_samples) +
                             ")");
  }
  if (options.scheme == PartitionScheme::kClassesPerWorker) {
    if (options.classes_per_worker > data.num_classes) {
      throw invalid_option(
          "partition.classes_per_worker", options.classes_per_worker,
          "must be at most the number of classes (" + std::to_string(data.num_classes) + ")");
    }
    if (n * options.classes_per_worker < data.num_classes) {
      throw invalid_option(
          "partition.num_workers", options.num_workers,
          "times partition.classes_per_worker (" + std::to_string(options.classes_per_worker) +
              ") must be at least the number of classes (" + std::to_string(data.num_classes) +
              ") so that every class has a holder");
    }
  }
}

}  // namespace

std::string_view to_string(PartitionScheme scheme) {
  switch (scheme) {
    case PartitionScheme::kIid: return "iid";
    case PartitionScheme::kDirichlet: return "dirichlet";
    case PartitionScheme::kClassesPerWorker: return "classes_per_worker";
    case PartitionScheme::kQuantitySkew: return "quantity_skew";
  }
  return "unknown";
}

PartitionScheme parse_partition_scheme(std::string_view name) {
  std::string valid;
  for (PartitionScheme scheme : kAllSchemes) {
    if (name == to_string(scheme)) return scheme;
    if (!valid.empty()) valid += ", ";
    valid += to_string(scheme);
  }
  throw invalid_option("partition.scheme", name, "is not one of: " + valid);
}

void PartitionOptions::validate() const {
  if (num_workers < 1)
    throw invalid_option("partition.num_workers", num_workers, "must be at least 1");
  if (!is_positive_finite(dirichlet_alpha)) {
    throw invalid_option("partition.dirichlet_alpha", dirichlet_alpha,
                         "must be finite and positive");
  }
  if (min_samples_per_worker < 1) {
    throw invalid_option("partition.min_samples_per_worker", min_samples_per_worker,
                         "must be at least 1");
  }
  if (classes_per_worker < 1) {
    throw invalid_option("partition.classes_per_worker", classes_per_worker, "must be at least 1");
  }
  if (!is_positive_finite(quantity_skew_alpha)) {
    throw invalid_option("partition.quantity_skew_alpha", quantity_skew_alpha,
                         "must be finite and positive");
  }
  if (max_attempts < 1)
    throw invalid_option("partition.max_attempts", max_attempts, "must be at least 1");
}

Partition partition_dataset(const Dataset& data, const PartitionOptions& options,
                            RandomStream& rng) {
  data.validate();
  options.validate();
  check_against_data(data, options);
  switch (options.scheme) {
    case PartitionScheme::kIid: return partition_detail::partition_iid(data, options, rng);
    case PartitionScheme::kDirichlet:
      return partition_detail::partition_dirichlet(data, options, rng);
    case PartitionScheme::kClassesPerWorker:
      return partition_detail::partition_classes_per_worker(data, options, rng);
    case PartitionScheme::kQuantitySkew:
      return partition_detail::partition_quantity_skew(data, options, rng);
  }
  throw std::invalid_argument("partition_dataset: unknown scheme");
}

std::vector<Index> apportion_largest_remainder(Index total, std::span<const double> weights) {
  if (total < 0) throw std::invalid_argument("apportion_largest_remainder: negative total");
  if (weights.empty()) throw std::invalid_argument("apportion_largest_remainder: no weights");
  double sum = 0.0;
  for (double w : weights) {
    if (!(w >= 0.0) || !std::isfinite(w)) {
      throw std::invalid_argument(
          "apportion_largest_remainder: weights must be finite and non-negative");
    }
    sum += w;
  }
  if (!(sum > 0.0) || !std::isfinite(sum))
    throw std::invalid_argument("apportion_largest_remainder: weights must have a positive sum");

  const std::size_t n = weights.size();
  std::vector<Index> counts(n);
  std::vector<double> fractions(n);
  Index assigned = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double share = static_cast<double>(total) * (weights[i] / sum);
    const double whole = std::floor(share);
    counts[i] = static_cast<Index>(whole);
    fractions[i] = share - whole;
    assigned += counts[i];
  }
  // Largest fractional parts first; ties go to the lower index (stable sort).
  std::vector<std::size_t> by_fraction(n);
  std::iota(by_fraction.begin(), by_fraction.end(), std::size_t{0});
  std::stable_sort(by_fraction.begin(), by_fraction.end(),
                   [&](std::size_t a, std::size_t b) { return fractions[a] > fractions[b]; });
  // In exact arithmetic 0 ≤ total − assigned < n; the loops also absorb rounding of the shares.
  for (std::size_t j = 0; assigned < total; j = (j + 1) % n) {
    ++counts[by_fraction[j]];
    ++assigned;
  }
  for (std::size_t j = n; assigned > total;) {
    j = (j == 0 ? n : j) - 1;  // smallest fractional parts first, cyclically
    if (counts[by_fraction[j]] > 0) {
      --counts[by_fraction[j]];
      --assigned;
    }
  }
  return counts;
}

std::vector<double> draw_dirichlet(double alpha, int n, RandomStream& rng) {
  if (!is_positive_finite(alpha))
    throw std::invalid_argument("draw_dirichlet: alpha must be finite and positive");
  if (n < 1) throw std::invalid_argument("draw_dirichlet: n must be at least 1");
  std::vector<double> q(static_cast<std::size_t>(n));
  if (alpha >= 1.0) {
    for (double& g : q) g = rng.gamma(alpha);  // Marsaglia–Tsang: always > 0
  } else {
    // log G = log Gamma(α + 1) + log(U)/α, U ∈ (0, 1): RandomStream::gamma's boost, kept in log
    // space; then q_i = exp(log G_i − max_j log G_j) / Σ_j exp(log G_j − max_j log G_j).
    for (double& log_g : q) {
      const double boosted = rng.gamma(alpha + 1.0);
      double u = rng.uniform();
      while (u == 0.0) u = rng.uniform();
      log_g = std::log(boosted) + std::log(u) / alpha;
    }
    const double largest = *std::max_element(q.begin(), q.end());
    for (double& g : q) g = std::exp(g - largest);
  }
  const double sum = std::accumulate(q.begin(), q.end(), 0.0);
  for (double& value : q) value /= sum;
  return q;
}

}  // namespace dsgdlab
