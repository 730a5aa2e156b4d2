#include "dsgdlab/analysis/bounds/hierarchical_bounds.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// P(P − 1) as a double.
double window_pairs(std::int64_t period) {
  const auto p = static_cast<double>(period);
  return p * (p - 1.0);
}

/// Checks periods P_1 | … | P_M (≥ 1) and counts n = N_0 ≥ … ≥ N_M = 1, divergences ≥ 0.
void check_hierarchy(const BoundConstants& constants, std::span<const std::int64_t> periods,
                     std::span<const int> counts, std::span<const double> divergences) {
  const std::size_t levels = periods.size();
  if (levels == 0) throw InputError("hierarchy: at least one averaging period is required");
  if (counts.size() != levels + 1) {
    throw invalid_option(
        "hierarchy.cluster_counts", counts.size(),
        "must have one entry per level plus N_0 = n (" + std::to_string(levels + 1) + " entries)");
  }
  if (divergences.size() != levels) {
    throw invalid_option("hierarchy.level_divergences", divergences.size(),
                         "must have one entry per level (" + std::to_string(levels) + ")");
  }
  if (counts.front() != constants.num_workers || counts.back() != 1) {
    throw InputError("hierarchy.cluster_counts must start at n = " +
                     std::to_string(constants.num_workers) + " and end at 1");
  }
  for (std::size_t l = 0; l < levels; ++l) {
    std::string index = "[";
    index += std::to_string(l);
    index += ']';
    if (periods[l] < 1)
      throw invalid_option("hierarchy.periods" + index, periods[l], "must be >= 1");
    if (l > 0 && periods[l] % periods[l - 1] != 0) {
      throw invalid_option(
          "hierarchy.periods" + index, periods[l],
          "must be a multiple of the previous period (" + std::to_string(periods[l - 1]) + ")");
    }
    if (counts[l + 1] > counts[l] || counts[l + 1] < 1) {
      throw invalid_option("hierarchy.cluster_counts" + index, counts[l + 1],
                           "must be in [1, " + std::to_string(counts[l]) + "]");
    }
    if (!(divergences[l] >= 0.0) || !std::isfinite(divergences[l])) {
      throw invalid_option("hierarchy.level_divergences" + index, divergences[l],
                           "must be finite and >= 0");
    }
  }
}

/// κ = 2η²L² Σ_ℓ P_ℓ(P_ℓ − 1) over the levels with N_{ℓ−1} > N_ℓ.
double consensus_factor(double eta, double smoothness, std::span<const std::int64_t> periods,
                        std::span<const int> counts) {
  double pairs = 0.0;
  for (std::size_t l = 0; l < periods.size(); ++l) {
    if (counts[l] > counts[l + 1]) pairs += window_pairs(periods[l]);
  }
  return 2.0 * eta * eta * smoothness * smoothness * pairs;
}

/// The shared bound of the header comment with a given κ (so that the sandwich can use one
/// common factor): 2Δ/(ηK) + Lησ²/(nM) + (L²/(1 − κ))·{noise drift + divergence drift}.
Bound periodic_averaging_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                               std::span<const std::int64_t> periods, std::span<const int> counts,
                               std::span<const double> divergences, double kappa) {
  const double eta = schedule.step;
  const double L = constants.smoothness;
  const double n = constants.num_workers;
  const double m = constants.batch_size;
  double noise_drift = 0.0;
  double divergence_drift = 0.0;
  for (std::size_t l = 0; l < periods.size(); ++l) {
    noise_drift += static_cast<double>(counts[l] - counts[l + 1]) *
                   (static_cast<double>(periods[l]) - 1.0) / n;
    divergence_drift += window_pairs(periods[l]) * divergences[l];
  }
  Bound bound;
  bound.provenance = Provenance::kDerived;
  bound.step = eta;
  bound.iterations = schedule.iterations;
  bound.estimated_constants = constants.estimated;
  bound.conditions.push_back(condition_less_equal("eta*L <= 1", eta * L, 1.0));
  bound.conditions.push_back(condition_less("kappa < 1", kappa, 1.0));
  const std::int64_t longest = periods.back();
  bound.conditions.push_back(condition_less_equal(
      "K mod P_M = 0", static_cast<double>(schedule.iterations % longest), 0.0));
  if (!(kappa < 1.0)) {
    bound.value = kInfinity;
    return bound;
  }
  bound.value =
      2.0 * constants.initial_gap / (eta * static_cast<double>(schedule.iterations)) +
      L * eta * constants.noise_variance / (n * m) +
      (L * L / (1.0 - kappa)) * (eta * eta * (constants.noise_variance / m) * noise_drift +
                                 2.0 * eta * eta * divergence_drift);
  return bound;
}

}  // namespace

Bound local_sgd_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                      std::int64_t period) {
  constants.validate();
  schedule.validate();
  const std::int64_t periods[] = {period};
  const int counts[] = {constants.num_workers, 1};
  const double divergences[] = {constants.heterogeneity};
  check_hierarchy(constants, periods, counts, divergences);
  Bound bound = periodic_averaging_bound(
      constants, schedule, periods, counts, divergences,
      consensus_factor(schedule.step, constants.smoothness, periods, counts));
  bound.name = "local_sgd";
  bound.source = "periodic averaging, one level (docs/theory.md)";
  return bound;
}

Bound hsgd_two_level_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                           std::int64_t local_period, std::int64_t global_period, int num_groups,
                           double intra_group_divergence, double inter_group_divergence) {
  const std::int64_t periods[] = {local_period, global_period};
  const int counts[] = {constants.num_workers, num_groups, 1};
  const double divergences[] = {intra_group_divergence, inter_group_divergence};
  Bound bound = hsgd_multilevel_bound(constants, schedule, periods, counts, divergences);
  bound.name = "hsgd_two_level";
  bound.source = "H-SGD with upward and downward divergences, two levels (docs/theory.md)";
  return bound;
}

Bound hsgd_multilevel_bound(const BoundConstants& constants, const BoundSchedule& schedule,
                            std::span<const std::int64_t> periods,
                            std::span<const int> cluster_counts,
                            std::span<const double> level_divergences) {
  constants.validate();
  schedule.validate();
  check_hierarchy(constants, periods, cluster_counts, level_divergences);
  Bound bound = periodic_averaging_bound(
      constants, schedule, periods, cluster_counts, level_divergences,
      consensus_factor(schedule.step, constants.smoothness, periods, cluster_counts));
  bound.name = "hsgd_multilevel";
  bound.source = "H-SGD, " + std::to_string(periods.size()) + " levels (docs/theory.md)";
  return bound;
}

Sandwich random_grouping_sandwich(const BoundConstants& constants, const BoundSchedule& schedule,
                                  std::span<const std::int64_t> periods,
                                  std::span<const int> cluster_counts) {
  constants.validate();
  schedule.validate();
  const std::vector<double> zeros(periods.size(), 0.0);
  check_hierarchy(constants, periods, cluster_counts, zeros);
  const double kappa =
      consensus_factor(schedule.step, constants.smoothness, periods, cluster_counts);
  const int n = constants.num_workers;
  Sandwich sandwich;
  std::vector<double> expected(periods.size(), 0.0);
  for (std::size_t l = 0; l < periods.size(); ++l) {
    // One worker has no heterogeneity to split: every weight but the last level's is 0.
    const double weight = n == 1 ? (l + 1 == periods.size() ? 1.0 : 0.0)
                                 : static_cast<double>(cluster_counts[l] - cluster_counts[l + 1]) /
                                       static_cast<double>(n - 1);
    sandwich.weights.push_back(weight);
    expected[l] = weight * constants.heterogeneity;
    const std::int64_t single[] = {periods[l]};
    const int single_counts[] = {n, 1};
    const double single_divergence[] = {constants.heterogeneity};
    Bound local = periodic_averaging_bound(constants, schedule, single, single_counts,
                                           single_divergence, kappa);
    local.name = "sandwich_local_sgd_" + std::to_string(periods[l]);
    local.source = "local SGD with period P_" + std::to_string(l + 1) +
                   " and the hierarchy's common kappa (docs/theory.md)";
    sandwich.local_sgd.push_back(std::move(local));
  }
  sandwich.hierarchical =
      periodic_averaging_bound(constants, schedule, periods, cluster_counts, expected, kappa);
  sandwich.hierarchical.name = "sandwich_hsgd_random_grouping";
  sandwich.hierarchical.source =
      "H-SGD with the expected divergences of a random grouping (docs/theory.md)";
  return sandwich;
}

double hsgd_corollary_step(const BoundConstants& constants, std::int64_t iterations) {
  constants.validate();
  if (iterations < 1) throw invalid_option("schedule.iterations", iterations, "must be >= 1");
  const double nm =
      static_cast<double>(constants.num_workers) * static_cast<double>(constants.batch_size);
  return std::sqrt(nm / static_cast<double>(iterations)) / constants.smoothness;
}

Bound hsgd_rate_corollary(const BoundConstants& constants, std::int64_t iterations,
                          std::int64_t local_period, std::int64_t global_period, int num_groups,
                          double intra_group_divergence, double inter_group_divergence) {
  const double eta = hsgd_corollary_step(constants, iterations);
  const std::int64_t periods[] = {local_period, global_period};
  const int counts[] = {constants.num_workers, num_groups, 1};
  const double divergences[] = {intra_group_divergence, inter_group_divergence};
  check_hierarchy(constants, periods, counts, divergences);
  const double n = constants.num_workers;
  const double m = constants.batch_size;
  const double k = static_cast<double>(iterations);
  const double noise_drift = ((n - num_groups) * (static_cast<double>(local_period) - 1.0) +
                              (num_groups - 1.0) * (static_cast<double>(global_period) - 1.0)) /
                             n;
  const double divergence_drift = window_pairs(local_period) * intra_group_divergence +
                                  window_pairs(global_period) * inter_group_divergence;
  const double g = static_cast<double>(global_period);
  Bound bound{
      .name = "hsgd_rate_corollary",
      .source = "H-SGD at eta = sqrt(nM/K)/L (docs/theory.md)",
      .provenance = Provenance::kDerived,
      .value = (2.0 * constants.smoothness * constants.initial_gap + constants.noise_variance) /
                   std::sqrt(n * m * k) +
               (2.0 * n * m / k) *
                   ((constants.noise_variance / m) * noise_drift + 2.0 * divergence_drift),
      .step = eta,
      .iterations = iterations,
      .estimated_constants = constants.estimated,
      .conditions = {}};
  bound.conditions.push_back(condition_greater_equal("K >= 8 n M G^2", k, 8.0 * n * m * g * g));
  bound.conditions.push_back(
      condition_less_equal("K mod G = 0", static_cast<double>(iterations % global_period), 0.0));
  return bound;
}

}  // namespace dsgdlab
