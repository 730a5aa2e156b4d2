// Staleness of the asynchronous algorithms on the `sim` engine (theory.md §2 and §3), in
// deterministic setups where it is known exactly: equal constant compute times give lockstep
// rounds with τ = n − 1 after the first round, and one slow worker sees
// τ_i = t_i · Σ_{j≠i} 1/t_j updates by the others during each of its computations.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "sim_test_support.hpp"

namespace dsgdlab {
namespace {

using namespace sim_test;

RunSetup async_setup(const Problem& problem, AlgorithmKind kind, std::int64_t iterations) {
  RunSetup setup = base_setup(problem, kind, iterations);
  setup.algorithm.step = StepSchedule{.kind = StepScheduleKind::kConstant, .initial = 0.05};
  setup.run.probe.every_iterations = 0;  // rows at 0 and at the end only
  setup.run.probe.running_average_every = 0;
  if (kind == AlgorithmKind::kAdpsgd) setup.graph = ring(problem.num_workers());
  return setup;
}

/// Lockstep (equal constant compute times, free communication): at time r + 1 the workers
/// apply their r-th updates in id order, so the k-th update is worker k mod n; in the first
/// round worker i's snapshot is x_0 (count 0) and i updates precede it, τ = i; afterwards its
/// snapshot was read right after its previous update, n − 1 updates earlier, τ = n − 1.
void expect_lockstep_staleness(const RunSetup& setup, const std::string& what) {
  const int n = setup.problem->num_workers();
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << what << ": " << result.status.to_string();
  ASSERT_EQ(static_cast<std::int64_t>(result.updates.size()), setup.run.iterations) << what;
  for (std::size_t k = 0; k < result.updates.size(); ++k) {
    const auto expected_worker = static_cast<std::int32_t>(k % static_cast<std::size_t>(n));
    const std::int32_t expected_staleness =
        k < static_cast<std::size_t>(n) ? static_cast<std::int32_t>(k) : n - 1;
    EXPECT_EQ(result.updates[k].worker, expected_worker) << what << ", update " << k;
    EXPECT_EQ(result.updates[k].staleness, expected_staleness) << what << ", update " << k;
  }
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(result.worker_updates[static_cast<std::size_t>(i)], setup.run.iterations / n)
        << what << ", worker " << i;
  }
}

TEST(SimStaleness, LockstepWorkersSeeNMinusOne) {
  for (int n : {5, 8}) {
    const QuadraticProblem problem(quadratic_options(n));
    const std::int64_t iterations = 12 * n;
    expect_lockstep_staleness(async_setup(problem, AlgorithmKind::kAdpsgd, iterations),
                              "adpsgd random ring n=" + std::to_string(n));
    expect_lockstep_staleness(async_setup(problem, AlgorithmKind::kApsgd, iterations),
                              "apsgd n=" + std::to_string(n));
  }
  // Bipartite pairing: passive workers update on their own schedule too.
  const QuadraticProblem problem(quadratic_options(8));
  RunSetup bipartite = async_setup(problem, AlgorithmKind::kAdpsgd, 96);
  bipartite.graph = hypercube(3);
  bipartite.algorithm.pairing = PairingMode::kBipartite;
  expect_lockstep_staleness(bipartite, "adpsgd bipartite hypercube n=8");
}

// One worker s× slower, all times constant, free communication. Worker i with time t_i: in
// steady state each of its gradient computations spans exactly t_i·Σ_{j≠i} 1/t_j updates of the
// others (integer times, ties broken by id, so an update of j that happens at the same instant
// as i's snapshot or application falls on one side only). The per-update τ of a fast worker is
// 2 or 3 (n = 4) in a pattern that repeats every s of its updates with mean exactly the formula,
// so a partial pattern moves the sum by less than 1; the first update (snapshot at time 0) falls
// short of the formula by at most the formula itself. Hence, deterministically,
// |mean τ_i − formula_i| ≤ (formula_i + 1)/count_i; the tolerance adds 1 more to the numerator
// for the final, partial computation's phase.
void expect_slow_worker_staleness(AlgorithmKind kind, int slow_worker, double slowdown) {
  const int n = 4;
  const QuadraticProblem problem(quadratic_options(n));
  RunSetup setup = async_setup(problem, kind, 20000);
  setup.cost.slow_workers = {WorkerSlowdown{.worker = slow_worker, .factor = slowdown}};
  const RunResult result = run_simulation(setup);
  const std::string what = std::string(to_string(kind)) + ", worker " +
                           std::to_string(slow_worker) + " " + std::to_string(slowdown) +
                           "x slower";
  ASSERT_TRUE(result.status.is_ok()) << what << ": " << result.status.to_string();

  std::vector<double> time_s(n, 1.0);
  time_s[static_cast<std::size_t>(slow_worker)] = slowdown;
  std::vector<double> sum(n, 0.0);
  std::vector<std::int64_t> count(n, 0);
  for (const UpdateRecord& update : result.updates) {
    sum[static_cast<std::size_t>(update.worker)] += update.staleness;
    ++count[static_cast<std::size_t>(update.worker)];
  }
  for (std::size_t i = 0; i < time_s.size(); ++i) {
    double others_rate = 0.0;
    for (std::size_t j = 0; j < time_s.size(); ++j) {
      if (j != i) others_rate += 1.0 / time_s[j];
    }
    const double expected = time_s[i] * others_rate;
    ASSERT_GT(count[i], 0) << what;
    const double mean = sum[i] / static_cast<double>(count[i]);
    EXPECT_NEAR(mean, expected, (expected + 2.0) / static_cast<double>(count[i]))
        << what << ", worker " << i << " (" << count[i] << " updates)";
    EXPECT_EQ(result.worker_updates[i], count[i]) << what << ", worker " << i;
  }
}

TEST(SimStaleness, SlowWorkerSeesTheOthersUpdates) {
  for (AlgorithmKind kind : {AlgorithmKind::kAdpsgd, AlgorithmKind::kApsgd}) {
    for (double slowdown : {4.0, 10.0}) {
      expect_slow_worker_staleness(kind, 0, slowdown);
      expect_slow_worker_staleness(kind, 2, slowdown);
    }
  }
}

}  // namespace
}  // namespace dsgdlab
