#include "dsgdlab/problems/nonconvex_separable.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

const DiagonalQuadraticOptions& validated(const NonconvexSeparableOptions& options) {
  options.validate();
  return options.instance;
}

}  // namespace

void NonconvexSeparableOptions::validate() const {
  const std::string prefix(NonconvexSeparableProblem::kName);
  instance.validate(prefix);
  if (!std::isfinite(cosine_weight))
    throw invalid_option(prefix + ".cosine_weight", cosine_weight, "must be finite");
  if (!(cosine_weight > instance.curvature_min)) {
    throw invalid_option(prefix + ".cosine_weight", cosine_weight,
                         "must exceed " + prefix + ".curvature_min (" +
                             describe_value(instance.curvature_min) +
                             ") so the objective is non-convex");
  }
  if (!(cosine_weight <= kMaxCosineWeightRatio * instance.curvature_min)) {
    throw invalid_option(prefix + ".cosine_weight", cosine_weight,
                         "must be at most " + describe_value(kMaxCosineWeightRatio) + " times " +
                             prefix + ".curvature_min (" + describe_value(instance.curvature_min) +
                             ") so that the exact minimisation stays cheap");
  }
}

CosineQuadraticMinimum minimize_cosine_quadratic(double curvature, double center,
                                                 double cosine_weight) {
  if (!(curvature > 0.0) || !std::isfinite(curvature)) {
    throw invalid_option("minimize_cosine_quadratic.curvature", curvature,
                         "must be positive and finite");
  }
  if (!std::isfinite(center))
    throw invalid_option("minimize_cosine_quadratic.center", center, "must be finite");
  if (!(cosine_weight >= 0.0) || !std::isfinite(cosine_weight)) {
    throw invalid_option("minimize_cosine_quadratic.cosine_weight", cosine_weight,
                         "must be non-negative and finite");
  }
  const double a = curvature;
  const double c = center;
  const double lambda = cosine_weight;
  const auto h = [&](double t) {
    const double u = t - c;
    return 0.5 * a * u * u + lambda * std::cos(t);
  };
  const auto dh = [&](double t) { return a * (t - c) - lambda * std::sin(t); };

  // Step 1: the search interval, padded by 1 so that h' has a strict sign at both ends.
  const double radius = lambda / a + 1.0;
  const double low = c - radius;
  const double high = c + radius;

  // Step 2: split points where h'' = a − λ cos t = 0, i.e. t = ±θ + 2πk, θ = arccos(a/λ).
  std::vector<double> cuts{low};
  if (lambda > 0.0 && a <= lambda) {
    const double theta = std::acos(a / lambda);
    constexpr double kTwoPi = 2.0 * std::numbers::pi;
    const double k_first = std::floor((low - theta) / kTwoPi) - 1.0;
    const double k_last = std::ceil((high + theta) / kTwoPi) + 1.0;
    for (double k = k_first; k <= k_last; k += 1.0) {
      for (const double t : {kTwoPi * k - theta, kTwoPi * k + theta}) {
        if (t > low && t < high) cuts.push_back(t);
      }
    }
    std::sort(cuts.begin() + 1, cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  }
  cuts.push_back(high);

  // Steps 3–4: one root per monotone piece; keep the smallest h among the roots.
  CosineQuadraticMinimum best{
      .argmin = 0.0, .value = std::numeric_limits<double>::infinity(), .num_critical_points = 0};
  const auto consider = [&](double t) {
    const double value = h(t);
    if (value < best.value) {
      best.value = value;
      best.argmin = t;
    }
  };
  for (std::size_t piece = 0; piece + 1 < cuts.size(); ++piece) {
    double left = cuts[piece];
    double right = cuts[piece + 1];
    const double f_left = dh(left);
    const double f_right = dh(right);
    if (f_left == 0.0) {  // an exact root at the start of the piece
      ++best.num_critical_points;
      consider(left);
      continue;
    }
    if (f_right == 0.0 || (f_left < 0.0) == (f_right < 0.0)) continue;  // no root inside
    const bool left_negative = f_left < 0.0;
    while (true) {
      const double mid = left + 0.5 * (right - left);
      if (mid <= left || mid >= right) break;  // the bracket no longer shrinks
      const double f_mid = dh(mid);
      if (f_mid == 0.0) {
        left = mid;
        right = mid;
        break;
      }
      if ((f_mid < 0.0) == left_negative)
        left = mid;
      else
        right = mid;
    }
    ++best.num_critical_points;
    consider(left);
    consider(right);
  }
  return best;
}

NonconvexSeparableProblem::NonconvexSeparableProblem(const NonconvexSeparableOptions& options)
    : options_(options), instance_(validated(options), kName) {
  const Index d = instance_.dim();
  minimizer_.resize(d);
  coordinate_minima_.reserve(static_cast<std::size_t>(d));
  for (Index j = 0; j < d; ++j) {
    coordinate_minima_.push_back(minimize_cosine_quadratic(
        instance_.mean_curvature()[j], instance_.weighted_center()[j], options_.cosine_weight));
    minimizer_[j] = coordinate_minima_.back().argmin;
  }
  optimum_value_ = loss(minimizer_);
}

double NonconvexSeparableProblem::local_loss(int worker, ConstVectorRef x) const {
  double cosine_sum = 0.0;
  for (Index j = 0; j < x.size(); ++j) cosine_sum += std::cos(x[j]);
  return instance_.quadratic_loss(worker, x) + options_.cosine_weight * cosine_sum;
}

void NonconvexSeparableProblem::local_gradient(int worker, ConstVectorRef x, VectorRef out) const {
  const auto a = instance_.curvatures().col(worker);
  const auto b = instance_.centers().col(worker);
  const double lambda = options_.cosine_weight;
  for (Index j = 0; j < x.size(); ++j) {
    const double t = x[j];
    out[j] = a[j] * (t - b[j]) - lambda * std::sin(t);
  }
}

void NonconvexSeparableProblem::stochastic_gradient(int worker, ConstVectorRef x, int batch_size,
                                                    RandomStream& rng, VectorRef out) const {
  local_gradient(worker, x, out);
  instance_.add_gradient_noise(batch_size, rng, out);
}

void NonconvexSeparableProblem::sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                                                VectorRef out) const {
  stochastic_gradient(worker, x, 1, rng, out);
}

std::optional<KnownConstant> NonconvexSeparableProblem::smoothness() const {
  return KnownConstant{.value = instance_.max_curvature() + options_.cosine_weight,
                       .origin = ConstantOrigin::kExact};
}

std::optional<KnownConstant> NonconvexSeparableProblem::optimum_value() const {
  return KnownConstant{.value = optimum_value_, .origin = ConstantOrigin::kExact};
}

std::optional<KnownConstant> NonconvexSeparableProblem::noise_variance() const {
  return KnownConstant{.value = instance_.options().noise_variance,
                       .origin = ConstantOrigin::kExact};
}

std::optional<KnownConstant> NonconvexSeparableProblem::heterogeneity() const {
  const auto zeta_squared = instance_.heterogeneity();
  if (!zeta_squared) return std::nullopt;
  return KnownConstant{.value = *zeta_squared, .origin = ConstantOrigin::kExact};
}

std::string NonconvexSeparableProblem::describe() const {
  std::ostringstream text;
  text << kName << ": " << instance_.describe() << ", cosine weight " << options_.cosine_weight;
  return text.str();
}

}  // namespace dsgdlab
