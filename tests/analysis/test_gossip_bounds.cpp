#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dsgdlab/analysis/bounds/gossip_bounds.hpp"
#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

// Hand values repeat the formula's operations in another order: a few ulps apart.
constexpr double kHandRelative = 1e-13;

BoundConstants constants() {
  return {.smoothness = 1.0,
          .noise_variance = 2.0,
          .heterogeneity = 0.1,
          .initial_gap = 1.0,
          .num_workers = 4,
          .batch_size = 2,
          .estimated = {}};
}

TEST(DpsgdTheorem, HandValueWithAPerfectMixer) {
  // ρ = 0: 1 − √ρ = 1. η = 0.01, K = 1000, σ_M² = 1, n = 4, L = 1, ζ² = 0.1, Δ = 1.
  const double eta = 0.01;
  const double d2 = 1.0 - 18.0 * eta * eta * 4.0;
  const double d1 = 0.5 - 9.0 * eta * eta * 4.0 / d2;
  const double right = 1.0 / (eta * 1000.0) + eta * 1.0 / 8.0 + eta * eta * 4.0 / d2 +
                       9.0 * eta * eta * 4.0 * 0.1 / d2;
  const Bound bound = dpsgd_theorem(constants(), {.step = eta, .iterations = 1000}, 0.0);
  EXPECT_NEAR(bound.value, right / d1, kHandRelative * right / d1);
  EXPECT_TRUE(bound.conditions_hold());
  EXPECT_EQ(to_string(bound.provenance), "recalled");
}

TEST(DpsgdTheorem, IncreasesWithRhoAndFailsAtRhoOne) {
  double previous = 0.0;
  for (const double rho : {0.0, 0.3, 0.6, 0.9, 0.99}) {
    // η = 1e-4 keeps D_2 = 1 − 18η²nL²/(1 − √ρ)² ≥ 0.97 up to ρ = 0.99.
    const Bound bound = dpsgd_theorem(constants(), {.step = 1e-4, .iterations = 10000}, rho);
    ASSERT_TRUE(bound.conditions_hold()) << "rho = " << rho;
    EXPECT_GT(bound.value, previous) << "rho = " << rho;
    previous = bound.value;
  }
  const Bound disconnected = dpsgd_theorem(constants(), {.step = 0.001, .iterations = 100}, 1.0);
  EXPECT_FALSE(disconnected.conditions_hold());
  EXPECT_TRUE(std::isinf(disconnected.value));
  // A step too long for the spectral gap makes D_2 negative: flagged, value +∞.
  const Bound too_long = dpsgd_theorem(constants(), {.step = 0.5, .iterations = 100}, 0.9);
  EXPECT_FALSE(too_long.conditions_hold());
  EXPECT_TRUE(std::isinf(too_long.value));
}

TEST(DpsgdCorollary, TheoremAtTheCorollaryStepStaysBelowTheCorollary) {
  const double rho = 0.25;
  for (const std::int64_t k : {100'000LL, 1'000'000LL, 100'000'000LL}) {
    const Bound corollary = dpsgd_corollary(constants(), k, rho);
    ASSERT_TRUE(corollary.conditions_hold()) << "K = " << k;
    EXPECT_DOUBLE_EQ(corollary.step, 1.0 / (2.0 + std::sqrt(static_cast<double>(k) / 4.0)));
    const Bound theorem =
        dpsgd_theorem(constants(), {.step = corollary.step, .iterations = k}, rho);
    ASSERT_TRUE(theorem.conditions_hold()) << "K = " << k;
    EXPECT_LE(theorem.value, corollary.value) << "K = " << k;
  }
  // Small K violates the K conditions; with σ = 0 they can never hold.
  EXPECT_FALSE(dpsgd_corollary(constants(), 1000, rho).conditions_hold());
  BoundConstants noiseless = constants();
  noiseless.noise_variance = 0.0;
  EXPECT_FALSE(dpsgd_corollary(noiseless, 100'000'000, rho).conditions_hold());
}

TEST(AdpsgdTheorem, HandValueInTheMeanConvention) {
  // 2nΔ/(ηK) + (2ηL/n)(σ²/M + 6ζ²) = 8/(0.01·1000) + 0.005·(1 + 0.6) = 0.8 + 0.008.
  const Bound bound = adpsgd_theorem(constants(), {.step = 0.01, .iterations = 1000}, 0.5, 2);
  EXPECT_NEAR(bound.value, 0.808, kHandRelative * 0.808);
  EXPECT_TRUE(bound.conditions_hold());
  ASSERT_EQ(bound.conditions.size(), 4U);
  EXPECT_EQ(bound.conditions[1].rule, "C_1 > 0");
}

TEST(AdpsgdConstants, HandValuesAndMonotonicity) {
  // γ = 0.005, M = 2, L = 1, n = 4, T = 2, ρ = 0.5.
  const double g = 0.005;
  const double rho_bar = adpsgd_rho_bar(0.5, 4);
  const double mixing = 2.0 * 3.0 / 4.0 + rho_bar;
  const double c1 = 1.0 - 24.0 * 4.0 * g * g * mixing;
  const AdpsgdConstants c = adpsgd_constants(constants(), g, 0.5, 2);
  EXPECT_EQ(c.rho_bar, rho_bar);
  EXPECT_NEAR(c.c1, c1, kHandRelative);
  const double c3 = 0.5 +
                    2.0 * (6.0 * g * g * 4.0 + g * 4.0 * 2.0 + 12.0 * 8.0 * 4.0 * g * g * g / 4.0) *
                        rho_bar / (16.0 * c1) +
                    4.0 * g * 2.0 / 4.0;
  EXPECT_NEAR(c.c3, c3, kHandRelative);
  // C_1 and C_2 decrease and C_3 increases with the staleness bound and with ρ.
  const AdpsgdConstants staler = adpsgd_constants(constants(), g, 0.5, 20);
  EXPECT_LT(staler.c1, c.c1);
  EXPECT_LT(staler.c2, c.c2);
  EXPECT_GT(staler.c3, c.c3);
  // ρ = 0.7 (ρ̄ ≈ 50) keeps C_1 ≈ 0.88 > 0; beyond C_1 = 0 the constants change sign and
  // the theorem no longer applies.
  const AdpsgdConstants slower_mixing = adpsgd_constants(constants(), g, 0.7, 2);
  ASSERT_GT(slower_mixing.c1, 0.0);
  EXPECT_LT(slower_mixing.c1, c.c1);
  EXPECT_LT(slower_mixing.c2, c.c2);
  EXPECT_GT(slower_mixing.c3, c.c3);
}

TEST(AdpsgdTheorem, LargeStalenessOrStepFailsTheConditions) {
  EXPECT_FALSE(
      adpsgd_theorem(constants(), {.step = 0.01, .iterations = 1000}, 0.5, 1000).conditions_hold());
  EXPECT_FALSE(
      adpsgd_theorem(constants(), {.step = 1.0, .iterations = 1000}, 0.5, 2).conditions_hold());
}

TEST(AdpsgdCorollary, TheoremAtTheCorollaryStepStaysBelowTheCorollary) {
  for (const double rho : {0.2, 0.9, 0.995242}) {
    for (const std::int64_t k : {10'000LL, 1'000'000LL, 100'000'000LL}) {
      const Bound corollary = adpsgd_corollary(constants(), k, rho, 4);
      const Bound theorem =
          adpsgd_theorem(constants(), {.step = corollary.step, .iterations = k}, rho, 4);
      EXPECT_LE(theorem.value, corollary.value) << "rho " << rho << ", K = " << k;
      // The same step, so the same conditions.
      EXPECT_EQ(theorem.conditions_hold(), corollary.conditions_hold());
    }
  }
  // For K large enough the conditions hold (the step shrinks like 1/√K).
  EXPECT_TRUE(adpsgd_corollary(constants(), 100'000'000, 0.9, 4).conditions_hold());
  // γ = n/(10ML + √((σ² + 6Mζ²)KM)) with σ² + 6Mζ² = 3.2: η = Mγ.
  EXPECT_DOUBLE_EQ(adpsgd_corollary_step(constants(), 10'000),
                   2.0 * 4.0 / (20.0 + std::sqrt(3.2 * 10'000.0 * 2.0)));
}

TEST(AdpsgdCorollary, RateIsOneOverSqrtKM) {
  // 20ΔL/K + 2(Δ + L)√(σ² + 6Mζ²)/√(KM): quadrupling K halves the dominant term.
  const double k = 1e10;
  const double small = adpsgd_corollary(constants(), 10'000'000'000, 0.5, 2).value;
  const double large = adpsgd_corollary(constants(), 40'000'000'000, 0.5, 2).value;
  EXPECT_NEAR(large / small, 0.5, 1e-4);
  EXPECT_NEAR(small, 20.0 / k + 4.0 * std::sqrt(3.2) / std::sqrt(2.0 * k), 1e-12 * small);
}

TEST(GossipBounds, RejectBadArguments) {
  EXPECT_THROW(dpsgd_theorem(constants(), {.step = 0.01, .iterations = 10}, 1.5), InputError);
  EXPECT_THROW(adpsgd_theorem(constants(), {.step = 0.01, .iterations = 10}, 0.5, -1), InputError);
  EXPECT_THROW(dpsgd_corollary(constants(), 0, 0.5), InputError);
}

}  // namespace
}  // namespace dsgdlab
