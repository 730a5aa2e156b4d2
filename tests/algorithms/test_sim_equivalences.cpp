// The special-case equivalences of theory.md §2, bit for bit on the `sim` engine (final models
// and every trace row's f(x̄), ‖∇f(x̄)‖², R and Ξ compared with ==), and the H-SGD rule that
// fixes at which steps groups and all workers average.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "sim_test_support.hpp"

namespace dsgdlab {
namespace {

using namespace sim_test;

constexpr std::int64_t kIterations = 24;

/// Runs both setups and expects the same bits in the final models and the trace.
void expect_equivalent(const RunSetup& a, const RunSetup& b, const std::string& what) {
  const RunResult left = run_simulation(a);
  const RunResult right = run_simulation(b);
  ASSERT_TRUE(left.status.is_ok()) << what << ": " << left.status.to_string();
  ASSERT_TRUE(right.status.is_ok()) << what << ": " << right.status.to_string();
  expect_bitwise_equal(left.final_models, right.final_models, what + ", " + seed_note(a));
  expect_same_trace(left.trace, right.trace, what);
  EXPECT_EQ(left.iterations, right.iterations) << what;
}

RunSetup periodic_setup(const Problem& problem, AlgorithmKind kind) {
  RunSetup setup = base_setup(problem, kind, kIterations);
  setup.run.probe.every_iterations = 1;
  return setup;
}

RunSetup local_sgd(const Problem& problem, std::int64_t period) {
  RunSetup setup = periodic_setup(problem, AlgorithmKind::kLocalSgd);
  setup.algorithm.period = period;
  return setup;
}

RunSetup hsgd(const Problem& problem, std::int64_t local_period, std::int64_t global_period,
              const Grouping& grouping) {
  RunSetup setup = periodic_setup(problem, AlgorithmKind::kHsgd);
  setup.algorithm.local_period = local_period;
  setup.algorithm.global_period = global_period;
  setup.grouping = from_two_level(grouping);
  return setup;
}

TEST(SimEquivalence, LocalSgdWithPeriodOneIsAllreduceSgd) {
  const QuadraticProblem problem(quadratic_options(4));
  expect_equivalent(local_sgd(problem, 1), periodic_setup(problem, AlgorithmKind::kAllreduceSgd),
                    "local_sgd(1) vs allreduce_sgd");
  const NonconvexSeparableProblem nonconvex(nonconvex_options(5));
  expect_equivalent(local_sgd(nonconvex, 1),
                    periodic_setup(nonconvex, AlgorithmKind::kAllreduceSgd),
                    "local_sgd(1) vs allreduce_sgd, nonconvex");
}

TEST(SimEquivalence, HsgdWithOneGroupIsLocalSgdWithTheLocalPeriod) {
  const QuadraticProblem problem(quadratic_options(4));
  expect_equivalent(hsgd(problem, 2, 6, contiguous_grouping(4, 1)), local_sgd(problem, 2),
                    "hsgd(I=2, G=6, N=1) vs local_sgd(2)");
}

TEST(SimEquivalence, HsgdWithSingletonGroupsIsLocalSgdWithTheGlobalPeriod) {
  const QuadraticProblem problem(quadratic_options(4));
  expect_equivalent(hsgd(problem, 2, 6, contiguous_grouping(4, 4)), local_sgd(problem, 6),
                    "hsgd(I=2, G=6, N=n) vs local_sgd(6)");
}

TEST(SimEquivalence, HsgdWithEqualPeriodsIsLocalSgd) {
  const QuadraticProblem problem(quadratic_options(4));
  expect_equivalent(hsgd(problem, 3, 3, contiguous_grouping(4, 2)), local_sgd(problem, 3),
                    "hsgd(I=G=3, N=2) vs local_sgd(3)");
}

TEST(SimEquivalence, MultiLevelHsgdWithOneLevelIsLocalSgd) {
  const NonconvexSeparableProblem problem(nonconvex_options(4));
  RunSetup multi = periodic_setup(problem, AlgorithmKind::kHsgd);
  multi.algorithm.level_periods = {4};
  multi.grouping = HierarchicalGrouping{.num_workers = 4, .levels = {}};
  expect_equivalent(multi, local_sgd(problem, 4), "hsgd(level_periods={4}) vs local_sgd(4)");
}

TEST(SimEquivalence, EveryAlgorithmWithOneWorkerIsSgd) {
  const QuadraticProblem problem(quadratic_options(1));
  const RunSetup sgd = periodic_setup(problem, AlgorithmKind::kSgd);

  expect_equivalent(periodic_setup(problem, AlgorithmKind::kAllreduceSgd), sgd, "allreduce_sgd");
  expect_equivalent(local_sgd(problem, 3), sgd, "local_sgd(3)");
  expect_equivalent(hsgd(problem, 2, 4, contiguous_grouping(1, 1)), sgd, "hsgd(2, 4)");

  RunSetup multi = periodic_setup(problem, AlgorithmKind::kHsgd);
  multi.algorithm.level_periods = {5};
  multi.grouping = HierarchicalGrouping{.num_workers = 1, .levels = {}};
  expect_equivalent(multi, sgd, "hsgd(level_periods={5})");

  RunSetup dpsgd = periodic_setup(problem, AlgorithmKind::kDpsgd);
  dpsgd.graph = ring(1);
  dpsgd.mixing = mixing_matrix(*dpsgd.graph, MixingRule::kMetropolisHastings);
  ASSERT_EQ(Matrix(dpsgd.mixing), Matrix::Ones(1, 1));
  expect_equivalent(dpsgd, sgd, "dpsgd with W = [1]");

  RunSetup adpsgd = periodic_setup(problem, AlgorithmKind::kAdpsgd);
  adpsgd.graph = ring(1);
  expect_equivalent(adpsgd, sgd, "adpsgd on one vertex");

  expect_equivalent(periodic_setup(problem, AlgorithmKind::kApsgd), sgd, "apsgd");
}

// H-SGD with I = 3, G = 6, groups {0, 1} and {2, 3} on a heterogeneous noisy quadratic, run for
// K = 1..13 steps: after K steps the groups are internally identical exactly when 3 | K and all
// workers are identical exactly when 6 | K (theory.md §2: global average when (t+1) mod G = 0,
// else group average when (t+1) mod I = 0). Without an average the workers' different data and
// noise make their models differ in every coordinate.
TEST(SimHsgdSchedule, AveragesExactlyAtTheStepsOfTheRule) {
  const QuadraticProblem problem(quadratic_options(4));
  for (std::int64_t steps = 1; steps <= 13; ++steps) {
    RunSetup setup = hsgd(problem, 3, 6, contiguous_grouping(4, 2));
    setup.run.iterations = steps;
    const RunResult result = run_simulation(setup);
    ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
    const Matrix& x = result.final_models;
    const bool groups_averaged = steps % 3 == 0;
    const bool all_averaged = steps % 6 == 0;
    EXPECT_EQ(columns_identical(x, 0, 1), groups_averaged) << "K = " << steps;
    EXPECT_EQ(columns_identical(x, 2, 3), groups_averaged) << "K = " << steps;
    EXPECT_EQ(columns_identical(x, 0, 2), all_averaged) << "K = " << steps;
    EXPECT_EQ(columns_identical(x, 1, 3), all_averaged) << "K = " << steps;
  }
}

}  // namespace
}  // namespace dsgdlab
