#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "dsgdlab/analysis/bounds/sgd_bounds.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

// Hand values are evaluated with the same operations in a different order: a few ulps.
constexpr double kHandRelative = 1e-14;

BoundConstants constants() {
  return {.smoothness = 4.0,
          .noise_variance = 2.0,
          .heterogeneity = 0.5,
          .initial_gap = 10.0,
          .num_workers = 8,
          .batch_size = 2,
          .estimated = {"L"}};
}

TEST(SgdBound, HandValueProvenanceAndConditions) {
  // 2Δ/(ηK) + Lησ²/M = 20/(0.1·100) + 4·0.1·2/2 = 2 + 0.4.
  const Bound bound = sgd_bound(constants(), {.step = 0.1, .iterations = 100});
  EXPECT_NEAR(bound.value, 2.4, kHandRelative * 2.4);
  EXPECT_EQ(bound.name, "sgd");
  EXPECT_EQ(to_string(bound.provenance), "derived");
  EXPECT_EQ(bound.estimated_constants, std::vector<std::string>{"L"});
  ASSERT_EQ(bound.conditions.size(), 1U);
  EXPECT_NEAR(bound.conditions[0].value, 0.4, 1e-15);
  EXPECT_TRUE(bound.conditions_hold());
  // η = 0.3: ηL = 1.2 > 1, reported with the value still computed.
  const Bound too_long = sgd_bound(constants(), {.step = 0.3, .iterations = 100});
  EXPECT_FALSE(too_long.conditions_hold());
  EXPECT_TRUE(std::isfinite(too_long.value));
}

TEST(AllreduceSgdBound, IsSgdWithBatchNM) {
  // 2 + 4·0.1·2/16 = 2.05.
  EXPECT_NEAR(allreduce_sgd_bound(constants(), {.step = 0.1, .iterations = 100}).value, 2.05,
              kHandRelative * 2.05);
  BoundConstants big_batch = constants();
  big_batch.batch_size = 16;
  big_batch.num_workers = 1;
  EXPECT_NEAR(sgd_bound(big_batch, {.step = 0.1, .iterations = 100}).value,
              allreduce_sgd_bound(constants(), {.step = 0.1, .iterations = 100}).value,
              kHandRelative * 2.05);
}

TEST(ApsgdBound, StalenessTightensTheStepCondition) {
  const BoundSchedule schedule{.step = 0.01, .iterations = 1000};
  // Lη + 2L²T²η² = 0.04 + 2·0.0016·T²: ≤ 1 up to T = 17, not at T = 18.
  EXPECT_TRUE(apsgd_bound(constants(), schedule, 0).conditions_hold());
  EXPECT_TRUE(apsgd_bound(constants(), schedule, 17).conditions_hold());
  EXPECT_FALSE(apsgd_bound(constants(), schedule, 18).conditions_hold());
  // 2Δ/(ηK) + Lησ²/M + 2L²Tη²σ²/M = 2 + 0.04 + 2·16·3·1e-4 at T = 3.
  EXPECT_NEAR(apsgd_bound(constants(), schedule, 3).value, 2.0 + 0.04 + 0.0096,
              kHandRelative * 2.05);
  EXPECT_EQ(apsgd_bound(constants(), schedule, 0).value, sgd_bound(constants(), schedule).value);
  EXPECT_GT(apsgd_bound(constants(), schedule, 4).value,
            apsgd_bound(constants(), schedule, 3).value);
  EXPECT_EQ(to_string(apsgd_bound(constants(), schedule, 3).provenance), "recalled");
  EXPECT_THROW(apsgd_bound(constants(), schedule, -1), InputError);
}

/// The exact counterexample of docs/theory.md §4.1: f(x) = ½x² (L = 1), M = 1, x_0 = x*
/// (Δ = 0), every update exactly T stale: x_{k+1} = x_k − η(x_{k−T} + w_k), Var w = σ² = 1.
/// x_k = −η Σ_{j<k} h_{k−1−j} w_j with h_0 = 1, h_{j+1} = h_j − η h_{j−T}, so
/// E‖∇f(x_k)‖² = η² Σ_{j<k} h_j² exactly, and R(K) is their mean over k < K (no sampling).
/// At ηL = 0.01, T = 70 the condition holds (0.99 ≤ 1); R(20000) = 0.010785 exceeds the form
/// without the staleness term (0.01) and stays below the bound with it (0.024).
TEST(ApsgdBound, HoldsOnTheExactLinearCounterexampleOfTheShortForm) {
  constexpr double kStep = 0.01;
  constexpr int kStaleness = 70;
  constexpr int kIterations = 20000;
  std::vector<double> h{1.0};
  double sum_h_sq = 0.0;
  double sum_gradients = 0.0;
  for (int k = 0; k < kIterations; ++k) {
    sum_gradients += kStep * kStep * sum_h_sq;  // E‖∇f(x_k)‖² = η² Σ_{j<k} h_j²
    sum_h_sq += h[static_cast<std::size_t>(k)] * h[static_cast<std::size_t>(k)];
    const double delayed = k >= kStaleness ? h[static_cast<std::size_t>(k - kStaleness)] : 0.0;
    h.push_back(h[static_cast<std::size_t>(k)] - kStep * delayed);
  }
  const double exact_r = sum_gradients / kIterations;
  const BoundConstants linear{.smoothness = 1.0,
                              .noise_variance = 1.0,
                              .heterogeneity = 0.0,
                              .initial_gap = 0.0,
                              .num_workers = 71,
                              .batch_size = 1,
                              .estimated = {}};
  const Bound bound = apsgd_bound(linear, {.step = kStep, .iterations = kIterations}, kStaleness);
  ASSERT_TRUE(bound.conditions_hold());
  EXPECT_GT(exact_r, kStep);  // the short form Lησ²/M = 0.01 is violated
  EXPECT_NEAR(exact_r, 0.010785, 1e-6);
  EXPECT_LE(exact_r, bound.value);
  EXPECT_NEAR(bound.value, 0.024, 1e-15);
}

TEST(SgdBound, DecreasesInKAndRejectsBadSchedules) {
  EXPECT_LT(sgd_bound(constants(), {.step = 0.1, .iterations = 1000}).value,
            sgd_bound(constants(), {.step = 0.1, .iterations = 100}).value);
  EXPECT_THROW(sgd_bound(constants(), {.step = 0.0, .iterations = 100}), InputError);
  EXPECT_THROW(sgd_bound(constants(), {.step = 0.1, .iterations = 0}), InputError);
  BoundConstants negative = constants();
  negative.initial_gap = -1.0;
  EXPECT_THROW(sgd_bound(negative, {.step = 0.1, .iterations = 10}), InputError);
}

}  // namespace
}  // namespace dsgdlab
