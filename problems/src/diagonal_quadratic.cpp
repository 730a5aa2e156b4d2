#include "dsgdlab/problems/diagonal_quadratic.hpp"

#include <cmath>
#include <numeric>
#include <span>
#include <sstream>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

constexpr CurvatureSharing kAllSharings[] = {CurvatureSharing::kShared, CurvatureSharing::kPerGroup,
                                             CurvatureSharing::kPerWorker};

std::string field_name(std::string_view problem_name, std::string_view field) {
  std::string name(problem_name);
  name += '.';
  name += field;
  return name;
}

void require_non_negative_finite(double value, std::string_view problem_name,
                                 std::string_view field) {
  if (!(value >= 0.0) || !std::isfinite(value))
    throw invalid_option(field_name(problem_name, field), value, "must be non-negative and finite");
}

/// Identity permutation of 0..d−1 shuffled by `stream`.
std::vector<Index> draw_permutation(Index dim, RandomStream& stream) {
  std::vector<Index> permutation(static_cast<std::size_t>(dim));
  std::iota(permutation.begin(), permutation.end(), Index{0});
  stream.shuffle(std::span<Index>(permutation));
  return permutation;
}

void permute_into(const Vector& spectrum, const std::vector<Index>& permutation,
                  Eigen::Ref<Vector> out) {
  for (Index j = 0; j < spectrum.size(); ++j)
    out[j] = spectrum[permutation[static_cast<std::size_t>(j)]];
}

}  // namespace

std::string_view to_string(CurvatureSharing sharing) {
  switch (sharing) {
    case CurvatureSharing::kShared: return "shared";
    case CurvatureSharing::kPerGroup: return "per_group";
    case CurvatureSharing::kPerWorker: return "per_worker";
  }
  return "unknown";
}

CurvatureSharing parse_curvature_sharing(std::string_view text, std::string_view field) {
  std::string valid;
  for (CurvatureSharing sharing : kAllSharings) {
    if (text == to_string(sharing)) return sharing;
    if (!valid.empty()) valid += ", ";
    valid += to_string(sharing);
  }
  throw invalid_option(field, text, "must be one of " + valid);
}

void DiagonalQuadraticOptions::validate(std::string_view problem_name) const {
  const auto field = [&](std::string_view name) { return field_name(problem_name, name); };
  if (dim < 1) throw invalid_option(field("dim"), dim, "must be at least 1");
  if (num_workers < 1)
    throw invalid_option(field("num_workers"), num_workers, "must be at least 1");
  if (!(curvature_min > 0.0) || !std::isfinite(curvature_min))
    throw invalid_option(field("curvature_min"), curvature_min, "must be positive and finite");
  if (!std::isfinite(curvature_max))
    throw invalid_option(field("curvature_max"), curvature_max, "must be finite");
  if (!(curvature_max >= curvature_min)) {
    throw invalid_option(
        field("curvature_max"), curvature_max,
        "must be at least " + field("curvature_min") + " (" + describe_value(curvature_min) + ")");
  }
  if (!std::isfinite(curvature_max / curvature_min)) {
    throw invalid_option(field("curvature_max"), curvature_max,
                         "divided by " + field("curvature_min") + " (" +
                             describe_value(curvature_min) + ") must be finite");
  }
  if (num_groups < 1) throw invalid_option(field("num_groups"), num_groups, "must be at least 1");
  if (num_groups > num_workers) {
    throw invalid_option(
        field("num_groups"), num_groups,
        "must not exceed " + field("num_workers") + " (" + std::to_string(num_workers) + ")");
  }
  require_non_negative_finite(group_center_spread, problem_name, "group_center_spread");
  require_non_negative_finite(worker_center_spread, problem_name, "worker_center_spread");
  require_non_negative_finite(noise_variance, problem_name, "noise_variance");
}

Vector geometric_curvature_spectrum(Index dim, double low, double high) {
  Vector spectrum(dim);
  const double ratio = high / low;
  for (Index j = 0; j + 1 < dim; ++j) {
    spectrum[j] = low * std::pow(ratio, static_cast<double>(j) / static_cast<double>(dim - 1));
  }
  if (dim >= 1) spectrum[dim - 1] = high;
  return spectrum;
}

std::vector<int> contiguous_groups(int num_workers, int num_groups) {
  std::vector<int> groups(static_cast<std::size_t>(num_workers));
  const int base = num_workers / num_groups;
  const int larger = num_workers % num_groups;  // groups 0..larger−1 have base + 1 workers
  int worker = 0;
  for (int g = 0; g < num_groups; ++g) {
    const int size = base + (g < larger ? 1 : 0);
    for (int k = 0; k < size; ++k) groups[static_cast<std::size_t>(worker++)] = g;
  }
  return groups;
}

DiagonalQuadraticInstance::DiagonalQuadraticInstance(const DiagonalQuadraticOptions& options,
                                                     std::string_view problem_name)
    : options_(options) {
  options_.validate(problem_name);
  const Index d = options_.dim;
  const int n = options_.num_workers;
  const int num_groups = options_.num_groups;
  const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(d));
  const Vector spectrum =
      geometric_curvature_spectrum(d, options_.curvature_min, options_.curvature_max);
  groups_ = contiguous_groups(n, num_groups);

  // Run-level stream: group centres w_0..w_{N−1}, then the per-group permutations.
  RandomStream run_stream(StreamKey{.seed = options_.seed,
                                    .run = 0,
                                    .worker = StreamKey::kNoWorker,
                                    .purpose = StreamPurpose::kProblemInstance});
  Matrix group_centers(d, num_groups);
  for (int g = 0; g < num_groups; ++g) {
    for (Index j = 0; j < d; ++j)
      group_centers(j, g) = options_.group_center_spread * (run_stream.normal() * inv_sqrt_d);
  }
  Matrix group_curvatures(d, num_groups);
  group_curvatures.col(0) = spectrum;
  for (int g = 1; g < num_groups; ++g) {
    if (options_.curvature_sharing == CurvatureSharing::kPerGroup)
      permute_into(spectrum, draw_permutation(d, run_stream), group_curvatures.col(g));
    else
      group_curvatures.col(g) = spectrum;
  }

  // Worker streams: offset u_i, then (per_worker) the worker's permutation.
  curvatures_.resize(d, n);
  centers_.resize(d, n);
  for (int i = 0; i < n; ++i) {
    RandomStream worker_stream(StreamKey{.seed = options_.seed,
                                         .run = 0,
                                         .worker = static_cast<std::uint64_t>(i),
                                         .purpose = StreamPurpose::kProblemInstance});
    const int g = groups_[static_cast<std::size_t>(i)];
    for (Index j = 0; j < d; ++j) {
      centers_(j, i) = group_centers(j, g) +
                       options_.worker_center_spread * (worker_stream.normal() * inv_sqrt_d);
    }
    switch (options_.curvature_sharing) {
      case CurvatureSharing::kShared: curvatures_.col(i) = spectrum; break;
      case CurvatureSharing::kPerGroup: curvatures_.col(i) = group_curvatures.col(g); break;
      case CurvatureSharing::kPerWorker:
        permute_into(spectrum, draw_permutation(d, worker_stream), curvatures_.col(i));
        break;
    }
  }

  // Derived aggregates.
  mean_curvature_ = curvatures_.rowwise().mean();
  weighted_center_ =
      curvatures_.cwiseProduct(centers_).rowwise().sum().cwiseQuotient(curvatures_.rowwise().sum());
  max_curvature_ = curvatures_.maxCoeff();
  curvatures_identical_ = true;
  for (int i = 1; i < n; ++i) {
    if (curvatures_.col(i) != curvatures_.col(0)) curvatures_identical_ = false;
  }
  if (curvatures_identical_) {
    const Vector mean_center = centers_.rowwise().mean();
    double total = 0.0;
    for (int i = 0; i < n; ++i)
      total += (curvatures_.col(i).cwiseProduct(centers_.col(i) - mean_center)).squaredNorm();
    heterogeneity_ = total / static_cast<double>(n);
  }
}

double DiagonalQuadraticInstance::quadratic_loss(int worker, ConstVectorRef x) const {
  return 0.5 *
         (curvatures_.col(worker).array() * (x - centers_.col(worker)).array().square()).sum();
}

void DiagonalQuadraticInstance::quadratic_gradient(int worker, ConstVectorRef x,
                                                   VectorRef out) const {
  out.array() = curvatures_.col(worker).array() * (x - centers_.col(worker)).array();
}

void DiagonalQuadraticInstance::add_gradient_noise(int batch_size, RandomStream& rng,
                                                   VectorRef out) const {
  if (batch_size < 1) throw invalid_option("batch_size", batch_size, "must be at least 1");
  if (options_.noise_variance == 0.0) return;
  const double scale = std::sqrt(options_.noise_variance / (static_cast<double>(options_.dim) *
                                                            static_cast<double>(batch_size)));
  for (Index j = 0; j < out.size(); ++j) out[j] += scale * rng.normal();
}

std::string DiagonalQuadraticInstance::describe() const {
  std::ostringstream text;
  text << "d=" << options_.dim << ", n=" << options_.num_workers << ", " << options_.num_groups
       << (options_.num_groups == 1 ? " group" : " groups") << ", curvature ["
       << options_.curvature_min << ", " << options_.curvature_max << "] "
       << to_string(options_.curvature_sharing) << ", center spread "
       << options_.group_center_spread << " (group) / " << options_.worker_center_spread
       << " (worker), sigma^2=" << options_.noise_variance << ", seed " << options_.seed;
  return text.str();
}

}  // namespace dsgdlab
