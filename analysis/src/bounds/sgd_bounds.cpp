#include "dsgdlab/analysis/bounds/sgd_bounds.hpp"

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

namespace {

/// 2Δ/(ηK) + Lη·variance, the descent-lemma bound shared by SGD, AllReduce-SGD and A-PSGD,
/// `variance` being the variance of the averaged stochastic gradient.
Bound descent_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                    double gradient_variance) {
  constants.validate();
  schedule.validate();
  const double eta = schedule.step;
  const double L = constants.smoothness;
  Bound bound;
  bound.step = eta;
  bound.iterations = schedule.iterations;
  bound.value = 2.0 * constants.initial_gap / (eta * static_cast<double>(schedule.iterations)) +
                L * eta * gradient_variance;
  bound.estimated_constants = constants.estimated;
  return bound;
}

}  // namespace

Bound sgd_bound(const BoundConstants& constants, const BoundSchedule& schedule) {
  Bound bound = descent_bound(constants, schedule,
                              constants.noise_variance / static_cast<double>(constants.batch_size));
  bound.name = "sgd";
  bound.source = "standard non-convex SGD analysis (docs/theory.md)";
  bound.provenance = Provenance::kDerived;
  bound.conditions.push_back(
      condition_less_equal("eta*L <= 1", schedule.step * constants.smoothness, 1.0));
  return bound;
}

Bound allreduce_sgd_bound(const BoundConstants& constants, const BoundSchedule& schedule) {
  constants.validate();
  // SGD on the exact mean of n stochastic gradients: SGD with batch nM.
  BoundConstants pooled = constants;
  pooled.batch_size = constants.num_workers * constants.batch_size;
  Bound bound = sgd_bound(pooled, schedule);
  bound.name = "allreduce_sgd";
  bound.source = "SGD with batch nM (docs/theory.md)";
  return bound;
}

Bound apsgd_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                  int staleness_bound) {
  if (staleness_bound < 0) {
    throw invalid_option("staleness_bound", staleness_bound, "must be >= 0");
  }
  Bound bound = descent_bound(constants, schedule,
                              constants.noise_variance / static_cast<double>(constants.batch_size));
  // The staleness term 2L²Tη²σ²/M: the noise of the T updates a stale gradient missed.
  const double eta = schedule.step;
  const double L = constants.smoothness;
  bound.value += 2.0 * L * L * static_cast<double>(staleness_bound) * eta * eta *
                 constants.noise_variance / static_cast<double>(constants.batch_size);
  bound.name = "apsgd";
  bound.source = "Lian, Huang, Li, Liu 2015 (asynchronous parallel SGD), Theorem 1, constant step";
  bound.provenance = Provenance::kRecalled;
  const double eta_l = schedule.step * constants.smoothness;
  const double t = staleness_bound;
  bound.conditions.push_back(condition_less_equal("L*eta + 2*L^2*T^2*eta^2 <= 1",
                                                  eta_l + 2.0 * t * t * eta_l * eta_l, 1.0));
  return bound;
}

}  // namespace dsgdlab
