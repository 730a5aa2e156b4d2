#include "dsgdlab/analysis/run_bounds.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>

#include "dsgdlab/analysis/bounds/gossip_bounds.hpp"
#include "dsgdlab/analysis/bounds/hierarchical_bounds.hpp"
#include "dsgdlab/analysis/bounds/sgd_bounds.hpp"
#include "dsgdlab/analysis/estimators/staleness.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Relative difference under which the run's step counts as the corollary's step.
constexpr double kSameStepRelative = 1e-9;

/// A bound as a function of K for the run's fixed step.
using BoundAtK = std::function<Bound(std::int64_t)>;

double trajectory_mean(const RunEstimates& estimates, std::string_view column) {
  const TrajectoryStatistic* statistic = find_trajectory_statistic(estimates, column);
  return statistic != nullptr && statistic->points > 0 ? statistic->mean : kNaN;
}

/// R(k) at the checkpoints with k ≥ 1, in trace order.
std::vector<std::pair<std::int64_t, double>> measured_curve(const RunResult& result) {
  std::vector<std::pair<std::int64_t, double>> curve;
  for (const TraceRow& row : result.trace) {
    if (row.iteration >= 1) curve.emplace_back(row.iteration, row.running_avg_grad_norm_sq);
  }
  return curve;
}

/// Compares a bound with the measured curve: the whole curve for a theorem, the last point for
/// a corollary.
RunBound compare(Bound final_bound, std::vector<double> curve,
                 const std::vector<std::pair<std::int64_t, double>>& measured) {
  RunBound run_bound{.bound = std::move(final_bound), .curve = std::move(curve)};
  run_bound.measured = measured.empty() ? kNaN : measured.back().second;
  run_bound.tightness = run_bound.bound.value / run_bound.measured;
  const auto check = [&](std::size_t index, double bound_value) {
    const auto& [iteration, value] = measured[index];
    // A non-finite R (a diverged run) violates every bound.
    if (!(std::isfinite(value) && value <= bound_value) && run_bound.holds_at_every_checkpoint) {
      run_bound.holds_at_every_checkpoint = false;
      run_bound.first_violation = iteration;
    }
  };
  if (run_bound.curve.empty()) {
    if (!measured.empty()) check(measured.size() - 1, run_bound.bound.value);
  } else {
    for (std::size_t i = 0; i < measured.size(); ++i) check(i, run_bound.curve[i]);
  }
  return run_bound;
}

/// Adds a theorem from its values at every checkpoint (`per_checkpoint[c]` at measured[c]);
/// the last one is the reported bound.
void add_curve(RunBounds& bounds, std::vector<Bound> per_checkpoint,
               const std::vector<std::pair<std::int64_t, double>>& measured) {
  std::vector<double> curve;
  for (const Bound& bound : per_checkpoint) curve.push_back(bound.value);
  bounds.bounds.push_back(compare(std::move(per_checkpoint.back()), std::move(curve), measured));
}

/// Adds a theorem evaluated once at every checkpoint.
void add_theorem(RunBounds& bounds, const BoundAtK& at_k,
                 const std::vector<std::pair<std::int64_t, double>>& measured) {
  std::vector<Bound> per_checkpoint;
  for (const auto& [iteration, value] : measured) per_checkpoint.push_back(at_k(iteration));
  add_curve(bounds, std::move(per_checkpoint), measured);
}

/// Adds a corollary with the condition that the run used its step.
void add_corollary(RunBounds& bounds, Bound corollary, double run_step,
                   const std::vector<std::pair<std::int64_t, double>>& measured) {
  corollary.conditions.push_back(condition_less_equal("|eta_run / eta_corollary - 1| <= 1e-9",
                                                      std::abs(run_step / corollary.step - 1.0),
                                                      kSameStepRelative));
  bounds.bounds.push_back(compare(std::move(corollary), {}, measured));
}

std::vector<std::string> estimated_names(const RunEstimates& estimates) {
  std::vector<std::string> names;
  if (estimates.smoothness.source == ConstantSource::kEstimated) names.emplace_back("L");
  if (estimates.noise_variance.source == ConstantSource::kEstimated) names.emplace_back("sigma^2");
  if (estimates.heterogeneity.source == ConstantSource::kEstimated) names.emplace_back("zeta^2");
  if (estimates.optimum_value.source == ConstantSource::kEstimated) names.emplace_back("f*");
  return names;
}

const SpectrumEstimate* find_spectrum(const RunEstimates& estimates, std::string_view matrix) {
  for (const SpectrumEstimate& spectrum : estimates.spectra) {
    if (spectrum.matrix == matrix) return &spectrum;
  }
  return nullptr;
}

/// The periodic-averaging bounds of local SGD and H-SGD.
void add_periodic_averaging(RunBounds& bounds, const RunSetup& setup, const RunEstimates& estimates,
                            double step,
                            const std::vector<std::pair<std::int64_t, double>>& measured) {
  const AlgorithmOptions& algorithm = setup.algorithm;
  BoundConstants averaged = bounds.constants;
  averaged.heterogeneity = trajectory_mean(estimates, "heterogeneity");
  averaged.estimated.emplace_back("zeta^2 (trajectory mean)");
  if (!std::isfinite(averaged.heterogeneity)) {
    bounds.note = "the heterogeneity column has no finite value: no averaging bound";
    return;
  }
  if (algorithm.kind == AlgorithmKind::kLocalSgd) {
    add_theorem(
        bounds,
        [=](std::int64_t k) {
          return local_sgd_bound(averaged, {.step = step, .iterations = k}, algorithm.period);
        },
        measured);
    return;
  }
  const std::vector<std::int64_t> periods = algorithm.averaging_periods();
  const HierarchicalGrouping& hierarchy = setup.grouping;
  const int levels = hierarchy.num_levels();
  std::vector<int> counts;
  for (int level = 0; level <= levels; ++level) counts.push_back(hierarchy.num_clusters(level));
  std::vector<double> divergences;
  if (levels == 2) {
    divergences = {trajectory_mean(estimates, "intra_group_divergence"),
                   trajectory_mean(estimates, "inter_group_divergence")};
  } else {
    for (int level = 1; level <= levels; ++level) {
      divergences.push_back(
          trajectory_mean(estimates, "level_" + std::to_string(level) + "_divergence"));
    }
  }
  for (const double divergence : divergences) {
    if (!std::isfinite(divergence)) {
      bounds.note = "a divergence column has no finite value: no H-SGD bound";
      return;
    }
  }
  BoundConstants divergence_constants = averaged;
  divergence_constants.estimated.emplace_back("divergences (trajectory means)");
  add_theorem(
      bounds,
      [=](std::int64_t k) {
        Bound bound = hsgd_multilevel_bound(divergence_constants, {.step = step, .iterations = k},
                                            periods, counts, divergences);
        if (levels == 2) bound.name = "hsgd_two_level";
        return bound;
      },
      measured);
  // The random-grouping sandwich: Φ_{P_1} ≤ Φ_random ≤ Φ_{P_M} with ζ² as the heterogeneity.
  // Computed once per checkpoint, then split into one curve per rung.
  std::vector<Sandwich> sandwiches;
  for (const auto& [iteration, value] : measured) {
    sandwiches.push_back(random_grouping_sandwich(averaged, {.step = step, .iterations = iteration},
                                                  periods, counts));
  }
  const auto rung = [&](const auto& select) {
    std::vector<Bound> per_checkpoint;
    for (const Sandwich& sandwich : sandwiches) per_checkpoint.push_back(select(sandwich));
    return per_checkpoint;
  };
  for (std::size_t l = 0; l < periods.size(); ++l) {
    // Equal periods (I = G) give the same Φ twice: keep the last, the longest period's.
    if (l + 1 < periods.size() && periods[l] == periods[l + 1]) continue;
    add_curve(bounds, rung([l](const Sandwich& sandwich) { return sandwich.local_sgd[l]; }),
              measured);
    bounds.bounds.back().reference = l + 1 < periods.size();
  }
  add_curve(bounds, rung([](const Sandwich& sandwich) { return sandwich.hierarchical; }), measured);
  bounds.bounds.back().reference = true;
  if (levels == 2) {
    add_corollary(bounds,
                  hsgd_rate_corollary(divergence_constants, measured.back().first, periods[0],
                                      periods[1], counts[1], divergences[0], divergences[1]),
                  step, measured);
  }
}

}  // namespace

RunBounds run_bounds(const RunSetup& setup, const RunResult& result,
                     const RunEstimates& estimates) {
  RunBounds bounds;
  bounds.rho = kNaN;
  const AlgorithmOptions& algorithm = setup.algorithm;
  const auto measured = measured_curve(result);
  for (const auto& [iteration, value] : measured) bounds.checkpoints.push_back(iteration);
  if (algorithm.step.kind != StepScheduleKind::kConstant) {
    bounds.note = "the bounds assume a constant step; this run's schedule is not constant";
    return bounds;
  }
  if (measured.empty()) {
    bounds.note = "the trace has no checkpoint with K >= 1";
    return bounds;
  }
  const double step = algorithm.step.initial;
  bounds.constants = {.smoothness = estimates.smoothness.value,
                      .noise_variance = estimates.noise_variance.value,
                      .heterogeneity = estimates.heterogeneity.value,
                      .initial_gap = estimates.initial_gap.value,
                      .num_workers = setup.problem->num_workers(),
                      .batch_size = algorithm.batch_size,
                      .estimated = estimated_names(estimates)};
  if (algorithm.kind == AlgorithmKind::kSgd) bounds.constants.num_workers = 1;
  const BoundConstants& constants = bounds.constants;
  try {
    constants.validate();
  } catch (const InputError& error) {
    bounds.note = std::string("no bound: ") + error.what();
    return bounds;
  }
  if (is_asynchronous(algorithm.kind)) {
    bounds.staleness_bound = staleness_statistics(result.updates, setup.problem->num_workers()).max;
  }
  const int staleness = bounds.staleness_bound;
  try {
    switch (algorithm.kind) {
      case AlgorithmKind::kSgd:
        add_theorem(
            bounds,
            [&](std::int64_t k) { return sgd_bound(constants, {.step = step, .iterations = k}); },
            measured);
        break;
      case AlgorithmKind::kAllreduceSgd:
        add_theorem(
            bounds,
            [&](std::int64_t k) {
              return allreduce_sgd_bound(constants, {.step = step, .iterations = k});
            },
            measured);
        break;
      case AlgorithmKind::kApsgd:
        add_theorem(
            bounds,
            [&](std::int64_t k) {
              return apsgd_bound(constants, {.step = step, .iterations = k}, staleness);
            },
            measured);
        break;
      case AlgorithmKind::kDpsgd: {
        const SpectrumEstimate* spectrum = find_spectrum(estimates, "W");
        if (spectrum == nullptr) {
          bounds.note = "no spectrum of W: no D-PSGD bound";
          break;
        }
        const double rho = bounds.rho = spectrum->rho;
        add_theorem(
            bounds,
            [&](std::int64_t k) {
              return dpsgd_theorem(constants, {.step = step, .iterations = k}, rho);
            },
            measured);
        add_corollary(bounds, dpsgd_corollary(constants, measured.back().first, rho), step,
                      measured);
        break;
      }
      case AlgorithmKind::kAdpsgd: {
        const SpectrumEstimate* spectrum = find_spectrum(estimates, "E[W] nominal");
        if (spectrum == nullptr) {
          bounds.note = "no spectrum of E[W]: no AD-PSGD bound";
          break;
        }
        const double rho = bounds.rho = spectrum->rho;
        add_theorem(
            bounds,
            [&](std::int64_t k) {
              return adpsgd_theorem(constants, {.step = step, .iterations = k}, rho, staleness);
            },
            measured);
        add_corollary(bounds, adpsgd_corollary(constants, measured.back().first, rho, staleness),
                      step, measured);
        break;
      }
      case AlgorithmKind::kLocalSgd:
      case AlgorithmKind::kHsgd:
        add_periodic_averaging(bounds, setup, estimates, step, measured);
        break;
    }
  } catch (const InputError& error) {
    bounds.bounds.clear();
    bounds.note = std::string("no bound: ") + error.what();
  }
  return bounds;
}

}  // namespace dsgdlab
