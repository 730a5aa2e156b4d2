#include "dsgdlab/analysis/bounds/gossip_bounds.hpp"

#include <cmath>
#include <limits>

#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

void check_rho(double rho) {
  if (!(rho >= 0.0 && rho <= 1.0)) throw invalid_option("rho", rho, "must be in [0, 1]");
}

void check_iterations(std::int64_t iterations) {
  if (iterations < 1) throw invalid_option("schedule.iterations", iterations, "must be >= 1");
}

void check_staleness(int staleness_bound) {
  if (staleness_bound < 0) {
    throw invalid_option("staleness_bound", staleness_bound, "must be >= 0");
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// D-PSGD

Bound dpsgd_theorem(const BoundConstants& constants, const BoundSchedule& schedule, double rho) {
  constants.validate();
  schedule.validate();
  check_rho(rho);
  const double eta = schedule.step;
  const double L = constants.smoothness;
  const double n = constants.num_workers;
  const double k = static_cast<double>(schedule.iterations);
  const double sigma_m_sq = constants.noise_variance / constants.batch_size;
  const double gap_sqrt = 1.0 - std::sqrt(rho);  // 1 − √ρ

  Bound bound{.name = "dpsgd_theorem",
              .source = "Lian et al. 2017 (D-PSGD), Theorem 1",
              .provenance = Provenance::kRecalled,
              .step = eta,
              .iterations = schedule.iterations,
              .estimated_constants = constants.estimated,
              .conditions = {}};
  bound.conditions.push_back(condition_less("rho < 1", rho, 1.0));
  bound.conditions.push_back(condition_less_equal("eta*L <= 1", eta * L, 1.0));
  if (rho >= 1.0) {
    bound.value = kInfinity;
    return bound;
  }
  const double d2 = 1.0 - 18.0 * eta * eta * n * L * L / (gap_sqrt * gap_sqrt);
  const double d1 = 0.5 - 9.0 * eta * eta * L * L * n / (gap_sqrt * gap_sqrt * d2);
  bound.conditions.push_back(condition_greater("D_2 > 0", d2, 0.0));
  bound.conditions.push_back(condition_greater("D_1 > 0", d1, 0.0));
  if (!(d2 > 0.0 && d1 > 0.0)) {
    bound.value = kInfinity;
    return bound;
  }
  const double right_side =
      constants.initial_gap / (eta * k) + eta * L * sigma_m_sq / (2.0 * n) +
      eta * eta * L * L * n * sigma_m_sq / ((1.0 - rho) * d2) +
      9.0 * eta * eta * L * L * n * constants.heterogeneity / (gap_sqrt * gap_sqrt * d2);
  bound.value = right_side / d1;
  return bound;
}

double dpsgd_corollary_step(const BoundConstants& constants, std::int64_t iterations) {
  constants.validate();
  check_iterations(iterations);
  const double sigma_m = std::sqrt(constants.noise_variance / constants.batch_size);
  return 1.0 / (2.0 * constants.smoothness +
                sigma_m * std::sqrt(static_cast<double>(iterations) / constants.num_workers));
}

Bound dpsgd_corollary(const BoundConstants& constants, std::int64_t iterations, double rho) {
  check_rho(rho);
  const double eta = dpsgd_corollary_step(constants, iterations);
  const double L = constants.smoothness;
  const double n = constants.num_workers;
  const double k = static_cast<double>(iterations);
  const double delta = constants.initial_gap;
  const double sigma_m_sq = constants.noise_variance / constants.batch_size;
  const double sigma_m = std::sqrt(sigma_m_sq);
  const double gap_sqrt = 1.0 - std::sqrt(rho);

  Bound bound{.name = "dpsgd_corollary",
              .source = "Lian et al. 2017 (D-PSGD), corollary of Theorem 1",
              .provenance = Provenance::kRecalled,
              .value = 8.0 * delta * L / k + (8.0 * delta + 4.0 * L) * sigma_m / std::sqrt(k * n),
              .step = eta,
              .iterations = iterations,
              .estimated_constants = constants.estimated,
              .conditions = {}};
  bound.conditions.push_back(condition_less("rho < 1", rho, 1.0));
  // Both K thresholds divide by σ_M and by 1 − √ρ: infinite (failing) when either is 0.
  double spectral_term = kInfinity;
  double second_threshold = kInfinity;
  double first_threshold = kInfinity;
  if (rho < 1.0 && sigma_m > 0.0) {
    spectral_term =
        sigma_m_sq / (1.0 - rho) + 9.0 * constants.heterogeneity / (gap_sqrt * gap_sqrt);
    first_threshold = 4.0 * std::pow(L, 4) * std::pow(n, 5) /
                      (std::pow(sigma_m, 6) * (delta + L) * (delta + L)) * spectral_term *
                      spectral_term;
    second_threshold = 72.0 * L * L * n * n / (sigma_m_sq * gap_sqrt * gap_sqrt);
  }
  bound.conditions.push_back(condition_greater_equal(
      "K >= 4 L^4 n^5 / (sigma^6 (Delta+L)^2) (sigma^2/(1-rho) + 9 zeta^2/(1-sqrt(rho))^2)^2", k,
      first_threshold));
  bound.conditions.push_back(
      condition_greater_equal("K >= 72 L^2 n^2 / (sigma^2 (1-sqrt(rho))^2)", k, second_threshold));
  return bound;
}

// ---------------------------------------------------------------------------------------------
// AD-PSGD

AdpsgdConstants adpsgd_constants(const BoundConstants& constants, double paper_step, double rho,
                                 int staleness_bound) {
  constants.validate();
  check_rho(rho);
  check_staleness(staleness_bound);
  const double g = paper_step;  // γ
  const double L = constants.smoothness;
  const double n = constants.num_workers;
  const double m = constants.batch_size;
  const double t = staleness_bound;
  AdpsgdConstants c;
  c.rho_bar = adpsgd_rho_bar(rho, constants.num_workers);
  const double mixing = t * (n - 1.0) / n + c.rho_bar;  // T(n−1)/n + ρ̄
  c.c1 = 1.0 - 24.0 * m * m * L * L * g * g * mixing;
  c.c2 = g * m / (2.0 * n) - g * g * L * m * m / (n * n) -
         2.0 * m * m * m * L * L * t * t * g * g * g / (n * n * n) -
         (6.0 * g * g * std::pow(L, 3) * m * m / (n * n) + g * m * L * L / n +
          12.0 * std::pow(m, 3) * std::pow(L, 4) * t * t * std::pow(g, 3) / std::pow(n, 3)) *
             4.0 * m * m * g * g * mixing / c.c1;
  c.c3 = 0.5 +
         2.0 *
             (6.0 * g * g * L * L * m * m + g * n * m * L +
              12.0 * std::pow(m, 3) * std::pow(L, 4) * t * t * std::pow(g, 3) / n) *
             c.rho_bar / (n * n * c.c1) +
         L * t * t * g * m / n;
  return c;
}

namespace {

void add_adpsgd_conditions(Bound& bound, const AdpsgdConstants& c, double rho) {
  bound.conditions.push_back(condition_less("rho < 1", rho, 1.0));
  bound.conditions.push_back(condition_greater("C_1 > 0", c.c1, 0.0));
  // C_2 and C_3 are only meaningful when C_1 > 0 (they divide by it).
  bound.conditions.push_back(
      condition_greater_equal("C_2 >= 0", c.c1 > 0.0 ? c.c2 : -kInfinity, 0.0));
  bound.conditions.push_back(condition_less_equal("C_3 <= 1", c.c1 > 0.0 ? c.c3 : kInfinity, 1.0));
}

}  // namespace

Bound adpsgd_theorem(const BoundConstants& constants, const BoundSchedule& schedule, double rho,
                     int staleness_bound) {
  schedule.validate();
  const double eta = schedule.step;
  const double m = constants.batch_size;
  const AdpsgdConstants c = adpsgd_constants(constants, eta / m, rho, staleness_bound);
  const double n = constants.num_workers;
  Bound bound{
      .name = "adpsgd_theorem",
      .source = "Lian et al. 2018 (AD-PSGD), Theorem 1",
      .provenance = Provenance::kRecalled,
      .value = 2.0 * n * constants.initial_gap / (eta * static_cast<double>(schedule.iterations)) +
               (2.0 * eta * constants.smoothness / n) *
                   (constants.noise_variance / m + 6.0 * constants.heterogeneity),
      .step = eta,
      .iterations = schedule.iterations,
      .estimated_constants = constants.estimated,
      .conditions = {}};
  add_adpsgd_conditions(bound, c, rho);
  return bound;
}

double adpsgd_corollary_step(const BoundConstants& constants, std::int64_t iterations) {
  constants.validate();
  check_iterations(iterations);
  const double m = constants.batch_size;
  const double spread = constants.noise_variance + 6.0 * m * constants.heterogeneity;
  const double gamma =
      constants.num_workers /
      (10.0 * m * constants.smoothness + std::sqrt(spread * static_cast<double>(iterations) * m));
  return m * gamma;
}

Bound adpsgd_corollary(const BoundConstants& constants, std::int64_t iterations, double rho,
                       int staleness_bound) {
  const double eta = adpsgd_corollary_step(constants, iterations);
  const double m = constants.batch_size;
  const double k = static_cast<double>(iterations);
  const double spread = constants.noise_variance + 6.0 * m * constants.heterogeneity;
  const AdpsgdConstants c = adpsgd_constants(constants, eta / m, rho, staleness_bound);
  Bound bound{.name = "adpsgd_corollary",
              .source = "Lian et al. 2018 (AD-PSGD), corollary of Theorem 1",
              .provenance = Provenance::kRecalled,
              .value = 20.0 * constants.initial_gap * constants.smoothness / k +
                       2.0 * (constants.initial_gap + constants.smoothness) * std::sqrt(spread) /
                           std::sqrt(k * m),
              .step = eta,
              .iterations = iterations,
              .estimated_constants = constants.estimated,
              .conditions = {}};
  add_adpsgd_conditions(bound, c, rho);
  return bound;
}

}  // namespace dsgdlab
