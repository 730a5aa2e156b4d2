#include "dsgdlab/analysis/stats/rate_fit.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace dsgdlab {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> logarithms(std::span<const double> values, const char* axis) {
  std::vector<double> logs;
  logs.reserve(values.size());
  for (const double value : values) {
    if (!(value > 0.0) || !std::isfinite(value)) {
      throw std::invalid_argument(std::string("fit_log_log: ") + axis + " value " +
                                  std::to_string(value) + " must be finite and > 0");
    }
    logs.push_back(std::log(value));
  }
  return logs;
}

}  // namespace

LinearFit fit_line(std::span<const double> xs, std::span<const double> ys) {
  if (xs.size() != ys.size()) {
    throw std::invalid_argument("fit_line: " + std::to_string(xs.size()) + " x values but " +
                                std::to_string(ys.size()) + " y values");
  }
  if (xs.size() < 2) throw std::invalid_argument("fit_line: at least 2 points are needed");
  const auto count = static_cast<double>(xs.size());
  double mean_x = 0.0;
  double mean_y = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) {
      throw std::invalid_argument("fit_line: point " + std::to_string(i) + " is not finite");
    }
    mean_x += xs[i];
    mean_y += ys[i];
  }
  mean_x /= count;
  mean_y /= count;
  double sxx = 0.0;
  double sxy = 0.0;
  double syy = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    sxx += (xs[i] - mean_x) * (xs[i] - mean_x);
    sxy += (xs[i] - mean_x) * (ys[i] - mean_y);
    syy += (ys[i] - mean_y) * (ys[i] - mean_y);
  }
  if (!(sxx > 0.0)) throw std::invalid_argument("fit_line: all x values are equal");
  LinearFit fit;
  fit.points = static_cast<int>(xs.size());
  fit.slope = sxy / sxx;
  fit.intercept = mean_y - fit.slope * mean_x;
  double residual_sum = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double residual = ys[i] - (fit.intercept + fit.slope * xs[i]);
    residual_sum += residual * residual;
  }
  fit.r_squared = syy > 0.0 ? 1.0 - residual_sum / syy : kNaN;
  if (xs.size() == 2) {
    fit.slope_standard_error = kNaN;
    fit.slope_half_width = kNaN;
    return fit;
  }
  const double degrees = count - 2.0;
  fit.slope_standard_error = std::sqrt(residual_sum / degrees / sxx);
  fit.slope_half_width = student_t_quantile(0.975, degrees) * fit.slope_standard_error;
  return fit;
}

LinearFit fit_log_log(std::span<const double> xs, std::span<const double> ys) {
  const std::vector<double> log_x = logarithms(xs, "x");
  const std::vector<double> log_y = logarithms(ys, "y");
  return fit_line(log_x, log_y);
}

RateFit fit_rate(std::span<const Series> seeds) {
  if (seeds.empty()) throw std::invalid_argument("fit_rate: no series");
  RateFit rate;
  std::vector<double> slopes;
  std::vector<double> all_x;
  std::vector<double> all_y;
  for (const Series& series : seeds) {
    rate.per_seed.push_back(fit_log_log(series.x, series.y));
    slopes.push_back(rate.per_seed.back().slope);
    all_x.insert(all_x.end(), series.x.begin(), series.x.end());
    all_y.insert(all_y.end(), series.y.begin(), series.y.end());
  }
  rate.slope = mean_interval95(slopes);
  if (seeds.size() == 1) {
    rate.slope.half_width = rate.per_seed.front().slope_half_width;
  }
  rate.pooled = fit_log_log(all_x, all_y);
  return rate;
}

bool slope_consistent(double lower, double upper, double expected, double tolerance) {
  return lower <= expected + tolerance && upper >= expected - tolerance;
}

}  // namespace dsgdlab
