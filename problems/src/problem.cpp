#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

std::string_view to_string(ConstantOrigin origin) {
  switch (origin) {
    case ConstantOrigin::kExact: return "exact";
    case ConstantOrigin::kUpperBound: return "upper_bound";
  }
  return "unknown";
}

double Problem::loss(ConstVectorRef x) const {
  double total = 0.0;
  for (int i = 0; i < num_workers(); ++i) total += local_loss(i, x);
  return total / num_workers();
}

void Problem::full_gradient(ConstVectorRef x, VectorRef out, VectorRef scratch) const {
  out.setZero();
  for (int i = 0; i < num_workers(); ++i) {
    local_gradient(i, x, scratch);
    out += scratch;
  }
  out /= static_cast<double>(num_workers());
}

void Problem::full_gradient(ConstVectorRef x, VectorRef out) const {
  Vector scratch(dim());
  full_gradient(x, out, scratch);
}

}  // namespace dsgdlab
