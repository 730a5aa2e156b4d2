// The synchronous algorithms on the `threads` engine (threads_engine.hpp): for the same setup
// they give the models and the trace measurements of the `sim` engine bit for bit (only the
// times differ), whatever the worker count (also above the core count) and whatever
// heterogeneity is injected; and their probes follow the rules every run obeys (first row at
// 0, last at K, strictly increasing, R(K) exact).

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "sim_test_support.hpp"
#include "threads_test_support.hpp"

namespace dsgdlab {
namespace {

using namespace sim_test;
using namespace threads_test;

constexpr std::int64_t kIterations = 30;
constexpr Index kDim = 6;

/// Runs `setup` on both engines and expects the same bits everywhere except the times: final
/// models, every trace row's iteration, gradient evaluations, η, f(x̄), ‖∇f(x̄)‖², R and Ξ,
/// and the run's counters.
void expect_threads_equal_sim(const RunSetup& setup, const std::string& what) {
  const std::string note = what + ", " + seed_note(setup);
  const RunResult sim = run_simulation(setup);
  const RunResult threaded = run_and_check_shape(setup, note);
  ASSERT_TRUE(sim.status.is_ok()) << note << ": " << sim.status.to_string();
  expect_same_bits_as_sim(threaded, sim, note);
}

/// Heterogeneity injected in wall time: worker 1 four times slower, exponential compute
/// factors, and a small link latency (2e-5 s, so message and allreduce sleeps happen but stay
/// short). None of it may change a single bit.
void make_heterogeneous(RunSetup& setup) {
  setup.cost.slow_workers = {WorkerSlowdown{.worker = 1, .factor = 4.0}};
  setup.cost.compute_distribution = ComputeTimeDistribution::kExponential;
  setup.cost.link_latency_s = 2e-5;
}

std::unique_ptr<Problem> make_problem(bool nonconvex, int n) {
  if (nonconvex) return std::make_unique<NonconvexSeparableProblem>(nonconvex_options(n, kDim));
  return std::make_unique<QuadraticProblem>(quadratic_options(n, kDim));
}

class ThreadsSync : public ::testing::TestWithParam<bool> {};

TEST_P(ThreadsSync, EveryAlgorithmEqualsSimBitForBit) {
  const bool nonconvex = GetParam();
  for (int n : {3, 8, 12}) {
    const auto problem = make_problem(nonconvex, n);
    for (const NamedSetup& entry : synchronous_setups(*problem, kIterations)) {
      expect_threads_equal_sim(entry.setup, std::string(problem->name()) + ", " + entry.name +
                                                ", n=" + std::to_string(n));
    }
  }
}

TEST_P(ThreadsSync, InjectedHeterogeneityChangesNoBit) {
  const bool nonconvex = GetParam();
  for (int n : {3, 8, 12}) {
    const auto problem = make_problem(nonconvex, n);
    for (NamedSetup& entry : synchronous_setups(*problem, kIterations)) {
      make_heterogeneous(entry.setup);
      expect_threads_equal_sim(entry.setup, std::string(problem->name()) + ", " + entry.name +
                                                ", heterogeneous, n=" + std::to_string(n));
    }
  }
}

TEST_P(ThreadsSync, SgdWithOneWorkerEqualsSim) {
  const auto problem = make_problem(GetParam(), 1);
  RunSetup setup = base_setup(*problem, AlgorithmKind::kSgd, kIterations);
  expect_threads_equal_sim(setup, std::string(problem->name()) + ", sgd");
  make_heterogeneous(setup);
  setup.cost.slow_workers = {WorkerSlowdown{.worker = 0, .factor = 4.0}};
  expect_threads_equal_sim(setup, std::string(problem->name()) + ", sgd, heterogeneous");
}

/// Sparser probes and a subsampled R(K): the rows at multiples of 4 (and the last, K = 30 is
/// not one) and R over k ≡ 0 mod 3 must be the same rows and values as sim's.
TEST_P(ThreadsSync, SparseProbesAndSubsampledRunningAverageEqualSim) {
  const auto problem = make_problem(GetParam(), 8);
  for (NamedSetup& entry : synchronous_setups(*problem, kIterations)) {
    entry.setup.run.probe.every_iterations = 4;
    entry.setup.run.probe.running_average_every = 3;
    expect_threads_equal_sim(entry.setup,
                             std::string(problem->name()) + ", " + entry.name + ", sparse probes");
    entry.setup.run.probe.every_iterations = 0;
    entry.setup.run.probe.running_average_every = 0;
    expect_threads_equal_sim(entry.setup,
                             std::string(problem->name()) + ", " + entry.name + ", no probes");
  }
}

INSTANTIATE_TEST_SUITE_P(Problems, ThreadsSync, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param_info) {
                           return param_info.param ? std::string("NonconvexSeparable")
                                                   : std::string("Quadratic");
                         });

/// The progress callback runs in the barrier's completion step, one call at a time, with
/// non-decreasing counts and (K, K) last.
TEST(ThreadsSyncProgress, ReportsEveryRoundCountInOrderAndEndsAtK) {
  const QuadraticProblem problem(quadratic_options(8, kDim));
  RunSetup setup = base_setup(problem, AlgorithmKind::kAllreduceSgd, 250);
  std::vector<std::int64_t> done;
  const RunResult result = run_threads(setup, [&](std::int64_t count, std::int64_t total) {
    EXPECT_EQ(total, 250);
    done.push_back(count);
  });
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  ASSERT_FALSE(done.empty());
  for (std::size_t c = 1; c < done.size(); ++c) EXPECT_LT(done[c - 1], done[c]) << "call " << c;
  EXPECT_EQ(done.back(), 250);
}

/// A step far beyond 2/L: the run ends with status diverged at the same round as on sim, with
/// the same message and the same trace up to there.
TEST(ThreadsSyncOutcomes, DivergenceEndsAtTheSameRoundAsSim) {
  const QuadraticProblem problem(quadratic_options(8, kDim));
  for (NamedSetup& entry : synchronous_setups(problem, kIterations)) {
    entry.setup.algorithm.step = StepSchedule{.kind = StepScheduleKind::kConstant, .initial = 50.0};
    entry.setup.run.iterations = 10000;
    const std::string note = entry.name + ", step 50";
    const RunResult sim = run_simulation(entry.setup);
    const RunResult threaded = run_threads_watched(entry.setup, note);
    ASSERT_EQ(sim.status.code(), StatusCode::kDiverged) << note << ": " << sim.status.to_string();
    EXPECT_EQ(threaded.status, sim.status) << note << ": threads " << threaded.status.to_string()
                                           << ", sim " << sim.status.to_string();
    EXPECT_EQ(threaded.iterations, sim.iterations) << note;
    EXPECT_LT(threaded.iterations, entry.setup.run.iterations) << note;
    expect_same_trace(threaded.trace, sim.trace, note);
  }
}

/// run.max_virtual_time_s is wall time on this engine: a run planned far too long finishes the
/// round that crossed the limit and stops with status time_limit and a last row at that round.
TEST(ThreadsSyncOutcomes, TimeLimitStopsAfterTheRoundThatCrossedIt) {
  const QuadraticProblem problem(quadratic_options(8, kDim));
  for (NamedSetup& entry : synchronous_setups(problem, kIterations)) {
    entry.setup.run.iterations = 100'000'000;
    entry.setup.run.probe.every_iterations = 1000;
    entry.setup.run.probe.running_average_every = 0;
    entry.setup.run.max_virtual_time_s = 0.02;
    const std::string note = entry.name + ", time limit";
    const auto start = std::chrono::steady_clock::now();
    const RunResult result = run_threads_watched(entry.setup, note);
    const double elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(result.status.code(), StatusCode::kTimeLimit)
        << note << ": " << result.status.to_string();
    EXPECT_GT(result.iterations, 0) << note;
    EXPECT_LT(result.iterations, entry.setup.run.iterations) << note;
    EXPECT_GT(result.virtual_time_s, entry.setup.run.max_virtual_time_s) << note;
    EXPECT_EQ(result.gradient_evaluations, result.iterations * 8) << note;
    expect_trace_shape(result, result.iterations, true, elapsed_s, note);
  }
}

}  // namespace
}  // namespace dsgdlab
