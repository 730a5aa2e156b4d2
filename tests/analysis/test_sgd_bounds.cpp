#include <gtest/gtest.h>

#include <cmath>

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
  EXPECT_EQ(apsgd_bound(constants(), schedule, 18).value, sgd_bound(constants(), schedule).value);
  EXPECT_EQ(to_string(apsgd_bound(constants(), schedule, 3).provenance), "recalled");
  EXPECT_THROW(apsgd_bound(constants(), schedule, -1), InputError);
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
