#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dsgdlab/analysis/bounds/hierarchical_bounds.hpp"
#include "dsgdlab/analysis/bounds/sgd_bounds.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

// The reductions and the sandwich identity are exact in real arithmetic; in double precision
// the two sides are sums of the same five or six terms in different groupings, a few ulps
// apart: 1e-13 relative is ample.
constexpr double kReductionRelative = 1e-13;

BoundConstants constants(int n = 16) {
  return {.smoothness = 2.0,
          .noise_variance = 1.5,
          .heterogeneity = 0.8,
          .initial_gap = 3.0,
          .num_workers = n,
          .batch_size = 4,
          .estimated = {}};
}

/// η = 0.005 and K = 4800: ηL = 0.01, and κ ≤ 2η²L²·2G² stays far below 1 for G ≤ 24.
BoundSchedule schedule() { return {.step = 0.005, .iterations = 4800}; }

void expect_same(double actual, double expected) {
  EXPECT_NEAR(actual, expected, kReductionRelative * std::abs(expected));
}

TEST(LocalSgdBound, HandValue) {
  // Φ_P = 2Δ/(ηK) + Lησ²/(nM) + (L²/(1−κ))·{η²(σ²/M)(n−1)(P−1)/n + 2η²P(P−1)ζ²}
  // with Δ = 3, η = 0.005, K = 4800, L = 2, σ² = 1.5, n = 16, M = 4, ζ² = 0.8, P = 4:
  // κ = 2·0.005²·4·12 = 0.0024.
  const double kappa = 2.0 * 0.005 * 0.005 * 4.0 * 12.0;
  const double expected = 2.0 * 3.0 / (0.005 * 4800.0) + 2.0 * 0.005 * 1.5 / 64.0 +
                          (4.0 / (1.0 - kappa)) * (0.005 * 0.005 * (1.5 / 4.0) * 15.0 * 3.0 / 16.0 +
                                                   2.0 * 0.005 * 0.005 * 12.0 * 0.8);
  const Bound bound = local_sgd_bound(constants(), schedule(), 4);
  expect_same(bound.value, expected);
  EXPECT_EQ(bound.provenance, Provenance::kDerived);
  EXPECT_TRUE(bound.conditions_hold());
}

TEST(LocalSgdBound, PeriodOneIsAllreduceSgd) {
  expect_same(local_sgd_bound(constants(), schedule(), 1).value,
              allreduce_sgd_bound(constants(), schedule()).value);
}

TEST(HsgdTwoLevelBound, OneGroupIsLocalSgdWithTheLocalPeriod) {
  for (const auto& [i, g] : std::vector<std::pair<int, int>>{{1, 4}, {2, 8}, {4, 24}}) {
    expect_same(hsgd_two_level_bound(constants(), schedule(), i, g, 1, 0.8, 0.0).value,
                local_sgd_bound(constants(), schedule(), i).value);
  }
}

TEST(HsgdTwoLevelBound, SingletonGroupsAreLocalSgdWithTheGlobalPeriod) {
  for (const auto& [i, g] : std::vector<std::pair<int, int>>{{1, 4}, {2, 8}, {4, 24}}) {
    expect_same(hsgd_two_level_bound(constants(), schedule(), i, g, 16, 0.0, 0.8).value,
                local_sgd_bound(constants(), schedule(), g).value);
  }
}

TEST(HsgdMultilevelBound, TwoLevelsAreTheTwoLevelBound) {
  const std::vector<std::int64_t> periods{2, 8};
  const std::vector<int> counts{16, 4, 1};
  const std::vector<double> divergences{0.5, 0.3};
  EXPECT_EQ(hsgd_multilevel_bound(constants(), schedule(), periods, counts, divergences).value,
            hsgd_two_level_bound(constants(), schedule(), 2, 8, 4, 0.5, 0.3).value);
}

TEST(RandomGroupingSandwich, TwoLevelIdentityAndOrdering) {
  for (const int groups : {2, 4, 8}) {
    const std::vector<std::int64_t> periods{2, 8};
    const std::vector<int> counts{16, groups, 1};
    const Sandwich sandwich = random_grouping_sandwich(constants(), schedule(), periods, counts);
    ASSERT_EQ(sandwich.weights.size(), 2U);
    const double lambda = (16.0 - groups) / 15.0;
    expect_same(sandwich.weights[0], lambda);
    expect_same(sandwich.weights[1], 1.0 - lambda);
    const double phi_i = sandwich.local_sgd[0].value;
    const double phi_g = sandwich.local_sgd[1].value;
    const double phi_hsgd = sandwich.hierarchical.value;
    expect_same(phi_hsgd, lambda * phi_i + (1.0 - lambda) * phi_g);
    EXPECT_LT(phi_i, phi_hsgd) << "N = " << groups;
    EXPECT_LT(phi_hsgd, phi_g) << "N = " << groups;
    // The sandwich's H-SGD bound is the two-level bound at the expected divergences.
    expect_same(phi_hsgd, hsgd_two_level_bound(constants(), schedule(), 2, 8, groups, lambda * 0.8,
                                               (1.0 - lambda) * 0.8)
                              .value);
  }
}

TEST(RandomGroupingSandwich, MultiLevelIdentityAndOrdering) {
  const std::vector<std::int64_t> periods{2, 4, 16};
  const std::vector<int> counts{16, 8, 2, 1};
  const Sandwich sandwich = random_grouping_sandwich(constants(), schedule(), periods, counts);
  double weights = 0.0;
  double mixture = 0.0;
  for (std::size_t l = 0; l < periods.size(); ++l) {
    weights += sandwich.weights[l];
    mixture += sandwich.weights[l] * sandwich.local_sgd[l].value;
  }
  expect_same(weights, 1.0);
  expect_same(sandwich.hierarchical.value, mixture);
  EXPECT_LT(sandwich.local_sgd.front().value, sandwich.hierarchical.value);
  EXPECT_LT(sandwich.hierarchical.value, sandwich.local_sgd.back().value);
}

TEST(HsgdRateCorollary, TheoremAtTheCorollaryStepStaysBelowTheCorollary) {
  for (const std::int64_t k : {8LL * 16 * 4 * 64, 100'000LL * 64, 10'000'000LL * 64}) {
    const Bound corollary = hsgd_rate_corollary(constants(), k, 2, 8, 4, 0.5, 0.3);
    ASSERT_TRUE(corollary.conditions_hold()) << "K = " << k;
    const Bound theorem = hsgd_two_level_bound(
        constants(), {.step = corollary.step, .iterations = k}, 2, 8, 4, 0.5, 0.3);
    EXPECT_TRUE(theorem.conditions_hold()) << "K = " << k;
    EXPECT_LE(theorem.value, corollary.value) << "K = " << k;
    // The drift terms are O(1/K): the leading term dominates for large K.
    EXPECT_GT(corollary.value, (2.0 * 2.0 * 3.0 + 1.5) / std::sqrt(64.0 * static_cast<double>(k)));
  }
  // K below 8nMG² fails the condition.
  EXPECT_FALSE(hsgd_rate_corollary(constants(), 64 * 8, 2, 8, 4, 0.5, 0.3).conditions_hold());
}

TEST(HierarchicalBounds, MonotoneInKAndInThePeriods) {
  double previous = INFINITY;
  for (const std::int64_t k : {480, 4800, 48000}) {
    const double value =
        hsgd_two_level_bound(constants(), {.step = 0.005, .iterations = k}, 2, 8, 4, 0.5, 0.3)
            .value;
    EXPECT_LT(value, previous);
    previous = value;
  }
  previous = 0.0;
  for (const int p : {1, 2, 4, 8, 16}) {
    const double value = local_sgd_bound(constants(), schedule(), p).value;
    EXPECT_GT(value, previous);
    previous = value;
  }
}

TEST(HierarchicalBounds, FailedConditionsAreReportedNotHidden) {
  // ηL = 2 > 1 and κ = 2·1²·4·(4·3 + 16·15) ≫ 1.
  const Bound bound =
      hsgd_two_level_bound(constants(), {.step = 1.0, .iterations = 4800}, 4, 16, 4, 0.5, 0.3);
  EXPECT_FALSE(bound.conditions_hold());
  EXPECT_TRUE(std::isinf(bound.value));
  ASSERT_GE(bound.conditions.size(), 2U);
  EXPECT_EQ(bound.conditions[0].rule, "eta*L <= 1");
  EXPECT_FALSE(bound.conditions[0].holds);
  EXPECT_EQ(bound.conditions[0].value, 2.0);
  // K not a multiple of G.
  const Bound ragged =
      hsgd_two_level_bound(constants(), {.step = 0.005, .iterations = 4801}, 2, 8, 4, 0.5, 0.3);
  EXPECT_FALSE(ragged.conditions_hold());
  EXPECT_TRUE(std::isfinite(ragged.value));
}

TEST(HierarchicalBounds, RejectInconsistentHierarchies) {
  const std::vector<double> divergences{0.5, 0.3};
  const std::vector<int> counts{16, 4, 1};
  const std::vector<std::int64_t> not_nested{3, 8};
  EXPECT_THROW(hsgd_multilevel_bound(constants(), schedule(), not_nested, counts, divergences),
               InputError);
  const std::vector<std::int64_t> periods{2, 8};
  const std::vector<int> increasing{16, 4, 8, 1};
  const std::vector<double> three{0.1, 0.1, 0.1};
  const std::vector<std::int64_t> three_periods{2, 8, 16};
  EXPECT_THROW(hsgd_multilevel_bound(constants(), schedule(), three_periods, increasing, three),
               InputError);
  const std::vector<int> wrong_n{12, 4, 1};
  EXPECT_THROW(hsgd_multilevel_bound(constants(), schedule(), periods, wrong_n, divergences),
               InputError);
  EXPECT_THROW(hsgd_two_level_bound(constants(), schedule(), 2, 8, 4, -0.1, 0.3), InputError);
  BoundConstants bad = constants();
  bad.smoothness = 0.0;
  try {
    local_sgd_bound(bad, schedule(), 2);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "constants.smoothness (0) must be finite and > 0");
  }
}

}  // namespace
}  // namespace dsgdlab
