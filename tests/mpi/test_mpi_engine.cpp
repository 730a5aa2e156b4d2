// The `mpi` engine (mpi_engine.hpp), run under mpirun by run_under_mpirun.sh with 9 ranks: a
// run of n workers uses ranks 0..n and the others sit it out. Every rank executes every test;
// run_mpi returns the result on rank 0 only, so the checks run there, and each test calls
// run_mpi the same number of times on every rank (checks sit in helpers, after the collective
// call, so a failing ASSERT never skips one).
//
// - Synchronous algorithms with ordered averaging equal `sim` bit for bit (models, every trace
//   measurement, counters), with and without injected heterogeneity, with sparse probes, and
//   when a run diverges; MPI_Allreduce averaging agrees to rounding.
// - AD-PSGD and A-PSGD converge like their `sim` runs (the criterion of test_threads_async.cpp)
//   and report one staleness per update with consistent counters.
// - Too few ranks is an InputError on every rank, before any communication.

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/mpi_engine.hpp"
#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/core/errors.hpp"
#include "sim_test_support.hpp"
#include "threads_test_support.hpp"

namespace dsgdlab {
namespace {

using namespace sim_test;
using namespace threads_test;

constexpr std::int64_t kIterations = 30;
constexpr Index kDim = 6;
/// The job's size (run_under_mpirun.sh): 8 workers and the coordinator.
constexpr int kWorldSize = 9;

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

bool is_lead() { return world_rank() == 0; }

/// run_mpi on every rank, plus the wall time rank 0 measured around it.
struct MpiRun {
  std::optional<RunResult> result;
  double elapsed_s = 0.0;
};

MpiRun run_everywhere(const RunSetup& setup, const MpiEngineOptions& options = {}) {
  const auto start = std::chrono::steady_clock::now();
  MpiRun run;
  run.result = run_mpi(setup, options);
  run.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(run.result.has_value(), is_lead()) << "rank " << world_rank();
  return run;
}

/// Every mpi run reports where its workers' time went: parts ≥ 0 that together take no longer
/// than the call did (each worker's parts are disjoint intervals of its run).
void expect_time_breakdown(const MpiRun& run, const std::string& note) {
  ASSERT_TRUE(run.result->time_breakdown.has_value()) << note;
  const WorkerTimeBreakdown& times = *run.result->time_breakdown;
  EXPECT_GE(times.compute_s, 0.0) << note;
  EXPECT_GE(times.communication_s, 0.0) << note;
  EXPECT_GE(times.coordination_s, 0.0) << note;
  EXPECT_LE(times.compute_s + times.communication_s + times.coordination_s, run.elapsed_s) << note;
}

void expect_mpi_equal_sim(const RunSetup& setup, const std::string& what) {
  const MpiRun run = run_everywhere(setup);
  if (!is_lead()) return;
  const std::string note = what + ", " + seed_note(setup);
  expect_trace_shape(*run.result, run.result->iterations, true, run.elapsed_s, note);
  expect_time_breakdown(run, note);
  expect_same_bits_as_sim(*run.result, run_simulation(setup), note);
}

std::unique_ptr<Problem> make_problem(bool nonconvex, int n) {
  if (nonconvex) return std::make_unique<NonconvexSeparableProblem>(nonconvex_options(n, kDim));
  return std::make_unique<QuadraticProblem>(quadratic_options(n, kDim));
}

TEST(MpiSync, EveryAlgorithmEqualsSimBitForBit) {
  for (const bool nonconvex : {false, true}) {
    for (int n : {3, 8}) {
      const auto problem = make_problem(nonconvex, n);
      for (const NamedSetup& entry : synchronous_setups(*problem, kIterations)) {
        expect_mpi_equal_sim(entry.setup, std::string(problem->name()) + ", " + entry.name +
                                              ", n=" + std::to_string(n));
      }
    }
  }
}

TEST(MpiSync, SgdWithOneWorkerEqualsSim) {
  const auto problem = make_problem(true, 1);
  expect_mpi_equal_sim(base_setup(*problem, AlgorithmKind::kSgd, kIterations), "sgd");
}

/// Worker 1 four times slower, exponential compute factors, a 2e-5 s link latency: sleeps
/// happen on the ranks, and not one bit changes.
TEST(MpiSync, InjectedHeterogeneityChangesNoBit) {
  const auto problem = make_problem(false, 4);
  for (NamedSetup& entry : synchronous_setups(*problem, kIterations)) {
    entry.setup.cost.slow_workers = {WorkerSlowdown{.worker = 1, .factor = 4.0}};
    entry.setup.cost.compute_distribution = ComputeTimeDistribution::kExponential;
    entry.setup.cost.link_latency_s = 2e-5;
    expect_mpi_equal_sim(entry.setup, entry.name + ", heterogeneous");
  }
}

/// Rows every 4 iterations and R(K) over k ≡ 0 mod 3 (gathers only when needed), and no
/// probes at all: the same rows and values as sim.
TEST(MpiSync, SparseProbesAndSubsampledRunningAverageEqualSim) {
  const auto problem = make_problem(true, 8);
  for (NamedSetup& entry : synchronous_setups(*problem, kIterations)) {
    entry.setup.run.probe.every_iterations = 4;
    entry.setup.run.probe.running_average_every = 3;
    expect_mpi_equal_sim(entry.setup, entry.name + ", sparse probes");
    entry.setup.run.probe.every_iterations = 0;
    entry.setup.run.probe.running_average_every = 0;
    expect_mpi_equal_sim(entry.setup, entry.name + ", no probes");
  }
}

/// A step far beyond 2/L: status diverged at the same round, same message, same trace.
TEST(MpiSync, DivergenceEndsAtTheSameRoundAsSim) {
  const auto problem = make_problem(false, 4);
  for (NamedSetup& entry : synchronous_setups(*problem, kIterations)) {
    entry.setup.algorithm.step = StepSchedule{.kind = StepScheduleKind::kConstant, .initial = 50.0};
    entry.setup.run.iterations = 10000;
    const MpiRun run = run_everywhere(entry.setup);
    if (!is_lead()) continue;
    EXPECT_EQ(run.result->status.code(), StatusCode::kDiverged) << entry.name;
    expect_same_bits_as_sim(*run.result, run_simulation(entry.setup), entry.name + ", step 50");
  }
}

/// MPI_Allreduce sums in Open MPI's order, so the averages may differ from sim's in the last
/// bits: each average of |C| ≤ 8 models differs by at most |C| ulps of its terms (one rounding
/// per addition), and the iteration is a contraction on this quadratic (ηL ≤ 0.2), so over 30
/// rounds the models stay within 1e-12 relative of sim's; a wrong average (a missing member, a
/// wrong divisor) is off by percents.
TEST(MpiSync, AllreduceAveragingAgreesWithSimToRounding) {
  constexpr double kRelativeTolerance = 1e-12;
  const auto problem = make_problem(false, 8);
  for (const NamedSetup& entry : synchronous_setups(*problem, kIterations)) {
    if (entry.setup.algorithm.kind == AlgorithmKind::kDpsgd) continue;
    const MpiRun run = run_everywhere(entry.setup, {.averaging = MpiAveraging::kAllreduce});
    if (!is_lead()) continue;
    const RunResult sim = run_simulation(entry.setup);
    ASSERT_TRUE(run.result->status.is_ok()) << entry.name;
    const double difference = (run.result->final_models - sim.final_models).norm();
    EXPECT_LE(difference, kRelativeTolerance * sim.final_models.norm()) << entry.name;
    ASSERT_EQ(run.result->trace.size(), sim.trace.size()) << entry.name;
    EXPECT_NEAR(run.result->trace.back().loss, sim.trace.back().loss,
                kRelativeTolerance * std::abs(sim.trace.back().loss))
        << entry.name;
  }
}

/// A run planned far too long stops at the wall-time limit with status time_limit on every rank.
TEST(MpiSync, TimeLimitStopsEveryRank) {
  const auto problem = make_problem(false, 4);
  RunSetup setup = base_setup(*problem, AlgorithmKind::kAllreduceSgd, 100000000);
  setup.run.max_virtual_time_s = 0.2;
  setup.run.probe.every_iterations = 1000;
  const MpiRun run = run_everywhere(setup);
  if (!is_lead()) return;
  EXPECT_EQ(run.result->status.code(), StatusCode::kTimeLimit) << run.result->status.to_string();
  EXPECT_LT(run.result->iterations, setup.run.iterations);
  EXPECT_EQ(run.result->trace.back().iteration, run.result->iterations);
}

TEST(MpiEngine, TooFewRanksIsRefusedOnEveryRank) {
  const auto problem = make_problem(false, kWorldSize);  // needs kWorldSize + 1 ranks
  const RunSetup setup = base_setup(*problem, AlgorithmKind::kAllreduceSgd, kIterations);
  try {
    (void)run_mpi(setup);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              "engine \"mpi\": 9 workers need 10 MPI ranks (one per worker plus the coordinator, "
              "rank 0), but this job has 9: start it with mpirun -np 10 or more");
  }
}

// --- Asynchronous algorithms --------------------------------------------------------------

constexpr int kAsyncWorkers = 4;

RunSetup async_setup(const Problem& problem, Variant variant, std::int64_t iterations,
                     std::uint64_t seed) {
  RunSetup setup;
  setup.problem = &problem;
  setup.algorithm.kind =
      variant == Variant::kApsgd ? AlgorithmKind::kApsgd : AlgorithmKind::kAdpsgd;
  const double step = variant == Variant::kApsgd ? 0.02 : 0.05;
  setup.algorithm.step = StepSchedule{.kind = StepScheduleKind::kConstant, .initial = step};
  setup.algorithm.batch_size = 4;
  if (variant == Variant::kAdpsgdRandom) setup.graph = complete(problem.num_workers());
  if (variant == Variant::kAdpsgdBipartite) {
    setup.graph = ring(problem.num_workers());
    setup.algorithm.pairing = PairingMode::kBipartite;
  }
  setup.run.iterations = iterations;
  setup.run.seed = seed;
  setup.run.run_index = kRunIndex;
  setup.run.probe.every_iterations = iterations / 10;
  setup.run.probe.running_average_every = iterations / 10;
  setup.initial_point = Vector::Constant(problem.dim(), 3.0);
  setup.cost.compute_distribution = ComputeTimeDistribution::kExponential;
  return setup;
}

// Convergence criterion of test_threads_async.cpp: S = 10 sim seeds give the mean m and the
// standard deviation sd of v = log ‖∇f(x̄_K)‖²; one more run from that distribution falls
// outside m ± t·sd·√(1 + 1/S) with probability 1e-6 for t = 11.64 (Student's t, 9 degrees of
// freedom, two-sided). 3 variants × 2 mpi seeds: a correct engine fails with probability
// ≤ 6e-6. The interval also lies a factor ≥ 10 below ‖∇f(x_0)‖², so a run that did not
// converge, or lost or corrupted updates, fails.
constexpr std::uint64_t kMpiSeeds[] = {101, 102};
constexpr std::int64_t kConvergenceIterations = 8000;

class MpiAsync : public ::testing::TestWithParam<Variant> {};

TEST_P(MpiAsync, ConvergesLikeSimAndReportsStaleness) {
  const Variant variant = GetParam();
  const QuadraticProblem problem(convergence_quadratic_options(kAsyncWorkers));
  const std::string what = std::string(problem.name()) + ", " + to_string(variant);
  std::vector<double> sim_logs;
  double initial_grad_norm_sq = 0.0;
  if (is_lead()) {
    for (std::uint64_t seed = 1; seed <= kSimSeeds; ++seed) {
      const RunResult sim =
          run_simulation(async_setup(problem, variant, kConvergenceIterations, seed));
      sim_logs.push_back(std::log(sim.trace.back().grad_norm_sq));
      initial_grad_norm_sq = sim.trace.front().grad_norm_sq;
    }
  }
  std::int64_t stale_updates = 0;
  for (std::uint64_t seed : kMpiSeeds) {
    const RunSetup setup = async_setup(problem, variant, kConvergenceIterations, seed);
    const MpiRun run = run_everywhere(setup);
    if (!is_lead()) continue;
    const std::string note = what + ", " + seed_note(setup);
    const RunResult& result = *run.result;
    ASSERT_TRUE(result.status.is_ok()) << note << ": " << result.status.to_string();
    expect_trace_shape(result, kConvergenceIterations, variant == Variant::kApsgd, run.elapsed_s,
                       note);
    expect_async_counters(setup, result, note);
    expect_time_breakdown(run, note);
    EXPECT_GT(result.time_breakdown->compute_s, 0.0) << note;
    for (const UpdateRecord& update : result.updates) stale_updates += update.staleness > 0;
    const SampleStatistics sim = statistics(sim_logs);
    const double sd = sim.sd;
    const double half_width = kStudentT9TwoSided1e6 * sd * std::sqrt(1.0 + 1.0 / kSimSeeds);
    ASSERT_LT(sim.mean + half_width, std::log(initial_grad_norm_sq) - std::log(10.0))
        << what << ": the criterion would not even show convergence";
    const double value = std::log(result.trace.back().grad_norm_sq);
    EXPECT_LE(std::abs(value - sim.mean), half_width)
        << note << ": log ‖∇f(x̄_K)‖² = " << value << " on mpi, sim over " << kSimSeeds
        << " seeds: mean " << sim.mean << ", sd " << sd;
  }
  // Four processes updating concurrently: some update must have seen another land between its
  // read and its write (all-zero staleness would mean the ranks ran one after another, or the
  // tickets were not read with the snapshots).
  if (is_lead()) {
    EXPECT_GT(stale_updates, 0) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, MpiAsync,
                         ::testing::Values(Variant::kAdpsgdRandom, Variant::kAdpsgdBipartite,
                                           Variant::kApsgd),
                         [](const ::testing::TestParamInfo<Variant>& param_info) {
                           switch (param_info.param) {
                             case Variant::kAdpsgdRandom: return std::string("AdpsgdRandom");
                             case Variant::kAdpsgdBipartite: return std::string("AdpsgdBipartite");
                             case Variant::kApsgd: return std::string("Apsgd");
                           }
                           return std::string("Unknown");
                         });

/// One worker twenty times slower applies fewer updates than each other worker, and staler
/// ones. The injected delay is relative to the measured gradient time (19 × it), so the gradient
/// must be long against what else an update costs on a loaded machine (messages, lock waits,
/// a rank that the scheduler parks for milliseconds on an oversubscribed core): d = 100,000
/// makes a gradient about 1 ms and the slow worker's sleep about 20 ms. Expected from the cost
/// model (theory.md §3): the slow worker applies about 1/20 of a fast one's updates and sees
/// about 3·20 = 60 updates by the others during each gradient (2 to 3 for a fast worker).
TEST(MpiAsyncStaleness, SlowWorkerAppliesFewerAndStalerUpdates) {
  QuadraticOptions options = convergence_quadratic_options(kAsyncWorkers);
  options.dim = 100000;
  const QuadraticProblem problem(options);
  for (const Variant variant : {Variant::kAdpsgdRandom, Variant::kApsgd}) {
    RunSetup setup = async_setup(problem, variant, 300, 7);
    setup.cost.compute_distribution = ComputeTimeDistribution::kConstant;
    setup.cost.slow_workers = {WorkerSlowdown{.worker = 0, .factor = 20.0}};
    const MpiRun run = run_everywhere(setup);
    if (!is_lead()) continue;
    const RunResult& result = *run.result;
    ASSERT_TRUE(result.status.is_ok()) << to_string(variant);
    std::vector<double> staleness_sum(kAsyncWorkers, 0.0);
    for (const UpdateRecord& update : result.updates) {
      staleness_sum[static_cast<std::size_t>(update.worker)] += update.staleness;
    }
    const auto mean_staleness = [&](std::size_t w) {
      return staleness_sum[w] /
             static_cast<double>(std::max<std::int64_t>(1, result.worker_updates[w]));
    };
    for (std::size_t other = 1; other < kAsyncWorkers; ++other) {
      EXPECT_LT(result.worker_updates[0], result.worker_updates[other])
          << to_string(variant) << ", worker " << other;
      EXPECT_GT(mean_staleness(0), mean_staleness(other))
          << to_string(variant) << ", worker " << other;
    }
  }
}

/// A step far beyond 2/L: every rank leaves, status diverged.
TEST(MpiAsyncOutcomes, DivergenceStopsTheRun) {
  const QuadraticProblem problem(convergence_quadratic_options(kAsyncWorkers));
  for (const Variant variant : {Variant::kAdpsgdRandom, Variant::kApsgd}) {
    RunSetup setup = async_setup(problem, variant, 1000000, 3);
    setup.algorithm.step = StepSchedule{.kind = StepScheduleKind::kConstant, .initial = 50.0};
    const MpiRun run = run_everywhere(setup);
    if (!is_lead()) continue;
    EXPECT_EQ(run.result->status.code(), StatusCode::kDiverged)
        << to_string(variant) << ": " << run.result->status.to_string();
    EXPECT_LT(run.result->iterations, setup.run.iterations) << to_string(variant);
  }
}

/// A run planned far too long stops at the wall-time limit; the counters describe what ran.
TEST(MpiAsyncOutcomes, TimeLimitStopsEveryRank) {
  const QuadraticProblem problem(convergence_quadratic_options(kAsyncWorkers));
  for (const Variant variant : {Variant::kAdpsgdBipartite, Variant::kApsgd}) {
    RunSetup setup = async_setup(problem, variant, 100000000, 3);
    // Long enough that on a loaded, oversubscribed machine every rank gets scheduled.
    setup.run.max_virtual_time_s = 1.0;
    const MpiRun run = run_everywhere(setup);
    if (!is_lead()) continue;
    EXPECT_EQ(run.result->status.code(), StatusCode::kTimeLimit)
        << to_string(variant) << ": " << run.result->status.to_string();
    expect_async_counters(setup, *run.result, to_string(variant), false);
  }
}

}  // namespace
}  // namespace dsgdlab

/// MPI around GoogleTest: every rank runs every test; only rank 0 prints, and the job fails
/// when any rank saw a failure.
int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != dsgdlab::kWorldSize) {
    if (rank == 0) {
      std::fprintf(stderr, "test_mpi_engine: run it with mpirun -np %d (it has %d ranks)\n",
                   dsgdlab::kWorldSize, size);
    }
    MPI_Finalize();
    return 2;
  }
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return failed;
}
