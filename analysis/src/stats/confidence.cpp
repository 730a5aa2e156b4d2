#include "dsgdlab/analysis/stats/confidence.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace dsgdlab {

double student_t_quantile(double probability, double degrees_of_freedom) {
  if (!(degrees_of_freedom > 0.0)) {
    throw std::invalid_argument("student_t_quantile: degrees of freedom " +
                                std::to_string(degrees_of_freedom) + " must be > 0");
  }
  if (!(probability > 0.0 && probability < 1.0)) {
    throw std::invalid_argument("student_t_quantile: probability " + std::to_string(probability) +
                                " must be in (0, 1)");
  }
  return boost::math::quantile(boost::math::students_t(degrees_of_freedom), probability);
}

MeanInterval mean_interval95(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("mean_interval95: no values");
  MeanInterval interval;
  interval.count = static_cast<int>(values.size());
  double sum = 0.0;
  for (const double value : values) {
    if (!std::isfinite(value)) {
      throw std::invalid_argument("mean_interval95: value " + std::to_string(value) +
                                  " is not finite");
    }
    sum += value;
  }
  interval.mean = sum / static_cast<double>(values.size());
  if (values.size() == 1) {
    interval.standard_deviation = std::numeric_limits<double>::quiet_NaN();
    interval.half_width = std::numeric_limits<double>::quiet_NaN();
    return interval;
  }
  double squares = 0.0;
  for (const double value : values) squares += (value - interval.mean) * (value - interval.mean);
  const double degrees = static_cast<double>(values.size() - 1);
  interval.standard_deviation = std::sqrt(squares / degrees);
  interval.half_width = student_t_quantile(0.975, degrees) * interval.standard_deviation /
                        std::sqrt(static_cast<double>(values.size()));
  return interval;
}

}  // namespace dsgdlab
