#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "dsgdlab/experiments/run_command.hpp"

namespace dsgdlab {
namespace {

RunBound make_bound(std::string name, Provenance provenance, double value, double measured,
                    std::vector<BoundCondition> conditions, bool holds_everywhere,
                    std::int64_t first_violation = -1) {
  RunBound run_bound;
  run_bound.bound.name = std::move(name);
  run_bound.bound.provenance = provenance;
  run_bound.bound.value = value;
  run_bound.bound.conditions = std::move(conditions);
  run_bound.measured = measured;
  run_bound.tightness = value / measured;
  run_bound.holds_at_every_checkpoint = holds_everywhere;
  run_bound.first_violation = first_violation;
  return run_bound;
}

TEST(BoundLines, HoldsFailsAndFindings) {
  RunBounds bounds;
  bounds.bounds.push_back(make_bound("sgd", Provenance::kDerived, 0.4, 0.1,
                                     {condition_less_equal("eta*L <= 1", 0.5, 1.0)}, true));
  bounds.bounds.push_back(make_bound("dpsgd_theorem", Provenance::kRecalled,
                                     std::numeric_limits<double>::infinity(), 0.2,
                                     {condition_greater("D_2 > 0", -3.0, 0.0)}, true));
  bounds.bounds.push_back(make_bound("apsgd", Provenance::kRecalled, 0.1, 0.3,
                                     {condition_less_equal("eta*L <= 1", 0.5, 1.0)}, false, 400));
  bounds.bounds.push_back(make_bound("sandwich_local_sgd_2", Provenance::kDerived, 0.01, 0.3,
                                     {condition_less("kappa < 1", 0.1, 1.0)}, false, 8));
  bounds.bounds.back().reference = true;
  const std::vector<std::string> lines = bound_lines(bounds);
  ASSERT_EQ(lines.size(), 4U);
  // A reference that R(K) exceeds is not a finding.
  EXPECT_EQ(lines[3],
            "  reference sandwich_local_sgd_2 [derived] 0.01 vs R(K) 0.3 (a rung of the H-SGD "
            "sandwich, not a bound on this run)");
  EXPECT_EQ(lines[0], "  bound sgd [derived] 0.4 vs R(K) 0.1: holds (4x)");
  EXPECT_EQ(lines[1],
            "  bound dpsgd_theorem [recalled] inf vs R(K) 0.2: conditions fail (D_2 > 0: -3 vs 0)");
  EXPECT_EQ(lines[2],
            "  FINDING: R(K) exceeds apsgd [recalled] at K = 400 although its conditions hold "
            "(bound 0.1, R(K) 0.3 at the last checkpoint)");
}

TEST(BoundLines, NoteWhenNoBoundApplies) {
  RunBounds bounds;
  bounds.note = "the bounds assume a constant step; this run's schedule is not constant";
  EXPECT_EQ(bound_lines(bounds),
            std::vector<std::string>{"  bounds: the bounds assume a constant step; this run's "
                                     "schedule is not constant"});
}

}  // namespace
}  // namespace dsgdlab
