#include "dsgdlab/analysis/verdicts/verdict.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace dsgdlab {

double Verdict::number(const std::string& name) const {
  for (const VerdictNumber& entry : numbers) {
    if (entry.name == name) return entry.value;
  }
  throw std::out_of_range("verdict '" + claim + "' has no number '" + name + "'");
}

std::string format_verdict_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::ostringstream out;
  out.precision(4);
  out << value;
  return out.str();
}

}  // namespace dsgdlab
