// The asynchronous algorithms on the `threads` engine (threads_engine.hpp): they converge like
// their `sim` runs do (statistically, since thread schedules are not reproducible), they
// record one staleness per applied update with consistent tickets, counters and AD-PSGD pair
// counts, a slowed-down worker applies fewer and staler updates, and their probes follow the
// rules every run obeys (first row at 0, last at K, strictly increasing, R(K) an estimate).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/problems/gaussian_mixture.hpp"
#include "dsgdlab/problems/logistic_nonconvex.hpp"
#include "dsgdlab/problems/partition.hpp"
#include "sim_test_support.hpp"
#include "threads_test_support.hpp"

namespace dsgdlab {
namespace {

using namespace sim_test;
using namespace threads_test;

constexpr int kWorkers = 8;

/// logistic_nonconvex on a 2-class Gaussian mixture split IID over the workers (so the local
/// objectives are alike, as above).
std::unique_ptr<LogisticNonconvexProblem> make_logistic(int num_workers) {
  RandomStream data_rng(StreamKey{.seed = 11, .purpose = StreamPurpose::kDataGeneration});
  auto data = std::make_shared<const Dataset>(generate_gaussian_mixture(
      GaussianMixtureOptions{.num_samples = 1600, .num_features = 50, .num_classes = 2}, data_rng));
  RandomStream partition_rng(StreamKey{.seed = 11, .purpose = StreamPurpose::kPartition});
  Partition partition = partition_dataset(
      *data, PartitionOptions{.scheme = PartitionScheme::kIid, .num_workers = num_workers},
      partition_rng);
  return std::make_unique<LogisticNonconvexProblem>(data, std::move(partition));
}

RunSetup async_setup(const Problem& problem, Variant variant, std::int64_t iterations, double step,
                     int batch_size, std::uint64_t seed) {
  const int n = problem.num_workers();
  RunSetup setup;
  setup.problem = &problem;
  setup.algorithm.kind =
      variant == Variant::kApsgd ? AlgorithmKind::kApsgd : AlgorithmKind::kAdpsgd;
  setup.algorithm.step = StepSchedule{.kind = StepScheduleKind::kConstant, .initial = step};
  setup.algorithm.batch_size = batch_size;
  if (variant == Variant::kAdpsgdRandom) setup.graph = ring(n);
  if (variant == Variant::kAdpsgdBipartite) {
    setup.graph = bipartite_exponential(n);
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

// Convergence criterion. A threaded run's schedule is not reproducible, so its final
// ‖∇f(x̄_K)‖² is compared with the seed-to-seed spread of the same setup on `sim`, whose
// exponential compute times give a random interleaving of the same kind (measured mean
// staleness ≈ n − 1 on both engines). With S = 10 sim seeds, v_s = log ‖∇f(x̄_K)‖² (a sum of
// many squared noisy coordinates at the noise floor, so its log is close to normal), mean m
// and standard deviation sd, one more run from the same distribution falls outside the
// prediction interval m ± t·sd·√(1 + 1/S) with probability exactly 1e-6 when t = 11.64, the
// two-sided 1e-6 quantile of Student's t with S − 1 = 9 degrees of freedom. Each test makes
// 9 comparisons (3 algorithms × 3 threaded seeds) and there are two tests: a correct engine
// fails with probability ≤ 18e-6 < 1e-4. The interval is ±12.2 sd, a factor 6–10 either
// side here: wide enough for what legitimately differs between the engines (the real
// staleness distribution, and the update frequencies that weight the asynchronous objective),
// while a run that did not converge, or lost or corrupted updates, lands orders of magnitude
// away: the test also checks that the whole interval lies a factor ≥ 10 below ‖∇f(x_0)‖².
constexpr std::uint64_t kThreadSeeds[] = {101, 102, 103};
constexpr std::int64_t kConvergenceIterations = 20000;

void expect_threads_converge_like_sim(const Problem& problem, Variant variant, double step,
                                      int batch_size) {
  const std::string what = std::string(problem.name()) + ", " + to_string(variant);
  std::vector<double> sim_logs;
  double initial_grad_norm_sq = 0.0;
  for (std::uint64_t seed = 1; seed <= kSimSeeds; ++seed) {
    const RunResult sim = run_simulation(
        async_setup(problem, variant, kConvergenceIterations, step, batch_size, seed));
    ASSERT_TRUE(sim.status.is_ok()) << what << ", sim seed " << seed;
    sim_logs.push_back(std::log(sim.trace.back().grad_norm_sq));
    initial_grad_norm_sq = sim.trace.front().grad_norm_sq;
  }
  const SampleStatistics sim = statistics(sim_logs);
  const double half_width = kStudentT9TwoSided1e6 * sim.sd * std::sqrt(1.0 + 1.0 / kSimSeeds);
  ASSERT_GT(sim.sd, 0.0) << what;
  ASSERT_LT(sim.mean + half_width, std::log(initial_grad_norm_sq) - std::log(10.0))
      << what << ": the criterion would not even show convergence";

  for (std::uint64_t seed : kThreadSeeds) {
    const RunSetup setup =
        async_setup(problem, variant, kConvergenceIterations, step, batch_size, seed);
    const std::string note = what + ", " + seed_note(setup);
    const RunResult threaded = run_and_check_shape(setup, note);
    ASSERT_TRUE(threaded.status.is_ok()) << note << ": " << threaded.status.to_string();
    expect_async_counters(setup, threaded, note);
    const double value = std::log(threaded.trace.back().grad_norm_sq);
    EXPECT_LE(std::abs(value - sim.mean), half_width)
        << note << ": log ‖∇f(x̄_K)‖² = " << value << " on threads, sim over " << kSimSeeds
        << " seeds: mean " << sim.mean << ", sd " << sim.sd << " (allowed ±" << half_width << ")";
  }
}

constexpr Variant kVariants[] = {Variant::kAdpsgdRandom, Variant::kAdpsgdBipartite,
                                 Variant::kApsgd};

/// d = 100: a gradient draws 100 normals (a few µs), so with the injected sleeps a run of
/// 20000 updates takes about 0.1 s. A-PSGD's server takes every update, n times as many as an
/// AD-PSGD model, so it gets a smaller step for a comparable noise floor.
TEST(ThreadsAsyncConvergence, QuadraticEndsWithinTheSimSeedSpread) {
  const QuadraticProblem problem(convergence_quadratic_options(kWorkers));
  for (Variant variant : kVariants) {
    expect_threads_converge_like_sim(problem, variant, variant == Variant::kApsgd ? 0.01 : 0.05, 1);
  }
}

TEST(ThreadsAsyncConvergence, LogisticNonconvexEndsWithinTheSimSeedSpread) {
  const auto problem = make_logistic(kWorkers);
  for (Variant variant : kVariants) {
    expect_threads_converge_like_sim(*problem, variant, variant == Variant::kApsgd ? 0.02 : 0.1, 8);
  }
}

/// Per-worker mean staleness.
std::vector<double> mean_staleness(const RunResult& result) {
  std::vector<double> sum(result.worker_updates.size(), 0.0);
  for (const UpdateRecord& update : result.updates) {
    sum[static_cast<std::size_t>(update.worker)] += update.staleness;
  }
  for (std::size_t i = 0; i < sum.size(); ++i) {
    sum[i] /= static_cast<double>(std::max<std::int64_t>(1, result.worker_updates[i]));
  }
  return sum;
}

// One worker ten times slower (theory.md §3: it sees about t_i Σ_{j≠i} 1/t_j updates by the
// others during one of its gradients, 30 for n = 4 against 2.1 for a fast worker). On real
// threads the fast workers' injected sleeps cannot be shorter than the kernel's timer slack
// (≈ 50 µs), which narrows the gap; measured over many runs (Release and ThreadSanitizer):
// the slow worker applies 3–6× fewer updates than any other and its mean τ is 4–9× the
// others'. The test asks for factors 2, well inside both, so it checks the direction and
// clear size of the effect without depending on the machine's speed.
constexpr double kSlowUpdateRatio = 0.5;
constexpr double kSlowStalenessRatio = 2.0;

TEST(ThreadsAsyncStaleness, SlowWorkerAppliesFewerAndStalerUpdates) {
  QuadraticOptions options = convergence_quadratic_options(kWorkers);
  options.num_workers = 4;
  options.dim = 1000;  // ≈ 10 µs per gradient: the slow worker sleeps ≈ 9 × that
  const QuadraticProblem problem(options);
  constexpr int kSlow = 2;
  for (Variant variant : kVariants) {
    RunSetup setup = async_setup(problem, variant, 4000, 0.01, 1, 7);
    if (variant == Variant::kAdpsgdBipartite) setup.graph = ring(4);  // sides {0, 2}, {1, 3}
    setup.cost.slow_workers = {WorkerSlowdown{.worker = kSlow, .factor = 10.0}};
    const std::string note = to_string(variant) + ", worker 2 ten times slower";
    const RunResult result = run_and_check_shape(setup, note);
    ASSERT_TRUE(result.status.is_ok()) << note << ": " << result.status.to_string();
    expect_async_counters(setup, result, note);
    const std::vector<double> staleness = mean_staleness(result);
    const auto slow = static_cast<std::size_t>(kSlow);
    for (std::size_t i = 0; i < staleness.size(); ++i) {
      if (i == slow) continue;
      EXPECT_LT(static_cast<double>(result.worker_updates[slow]),
                kSlowUpdateRatio * static_cast<double>(result.worker_updates[i]))
          << note << ": slow worker's updates vs worker " << i;
      EXPECT_GT(staleness[slow], kSlowStalenessRatio * staleness[i])
          << note << ": slow worker's mean τ vs worker " << i;
    }
  }
}

/// Rows by wall time only (every 5 ms) and the progress callback: the rows still start at 0,
/// end at K and strictly increase; the progress callback, called from whichever worker
/// probes, is serialised by the engine (the vector below is not locked: ThreadSanitizer
/// would report unserialised calls), sees increasing counts and ends with (K, K).
TEST(ThreadsAsyncProbes, TimeProbesAndProgressFromWorkerThreads) {
  const QuadraticProblem problem(convergence_quadratic_options(kWorkers));
  for (Variant variant : kVariants) {
    RunSetup setup = async_setup(problem, variant, 10000, 0.01, 1, 9);
    setup.run.probe.every_iterations = 0;
    setup.run.probe.every_virtual_time_s = 0.005;
    const std::string note = to_string(variant) + ", time probes";
    std::vector<std::int64_t> done;
    const ProgressCallback progress = [&](std::int64_t count, std::int64_t total) {
      EXPECT_EQ(total, setup.run.iterations);
      done.push_back(count);
    };
    const auto start = std::chrono::steady_clock::now();
    const RunResult result = run_threads_watched(setup, note, progress);
    const double elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_TRUE(result.status.is_ok()) << note << ": " << result.status.to_string();
    expect_trace_shape(result, setup.run.iterations, false, elapsed_s, note);
    expect_async_counters(setup, result, note);
    ASSERT_FALSE(done.empty()) << note;
    for (std::size_t c = 1; c < done.size(); ++c) {
      EXPECT_LT(done[c - 1], done[c]) << note << ", call " << c;
    }
    EXPECT_EQ(done.back(), setup.run.iterations) << note;
  }
}

/// run.max_virtual_time_s is wall time on this engine: a run planned far too long stops with
/// status time_limit, every thread leaves, and the counters describe the updates applied.
TEST(ThreadsAsyncOutcomes, TimeLimitStopsEveryWorkerWithConsistentCounters) {
  const QuadraticProblem problem(convergence_quadratic_options(kWorkers));
  for (Variant variant : kVariants) {
    RunSetup setup = async_setup(problem, variant, 10'000'000, 0.01, 1, 13);
    setup.run.probe.every_iterations = 1000;
    setup.run.max_virtual_time_s = 0.05;
    const std::string note = to_string(variant) + ", time limit";
    const auto start = std::chrono::steady_clock::now();
    const RunResult result = run_threads_watched(setup, note);
    const double elapsed_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(result.status.code(), StatusCode::kTimeLimit)
        << note << ": " << result.status.to_string();
    EXPECT_GT(result.iterations, 0) << note;
    EXPECT_LT(result.iterations, setup.run.iterations) << note;
    expect_trace_shape(result, result.iterations, false, elapsed_s, note);
    expect_async_counters(setup, result, note);
  }
}

/// A step far beyond 2/L: the models overflow, the run ends with status diverged (naming the
/// iteration) instead of spinning on NaNs until K, and the counters stay consistent.
TEST(ThreadsAsyncOutcomes, DivergenceStopsTheRun) {
  const QuadraticProblem problem(convergence_quadratic_options(kWorkers));
  for (Variant variant : kVariants) {
    RunSetup setup = async_setup(problem, variant, 1'000'000, 50.0, 1, 17);
    setup.run.probe.every_iterations = 100;
    const std::string note = to_string(variant) + ", step 50";
    const RunResult result = run_threads_watched(setup, note);
    EXPECT_EQ(result.status.code(), StatusCode::kDiverged)
        << note << ": " << result.status.to_string();
    EXPECT_NE(result.status.message().find("non-finite by iteration"), std::string::npos)
        << note << ": " << result.status.message();
    EXPECT_LT(result.iterations, setup.run.iterations) << note;
    // The run stops after a few dozen updates, so on a loaded machine some passive worker may
    // not have been scheduled before the stop: only the side totals are checked (seen failing
    // 2 times in 8 with eight copies of this test running at once).
    expect_async_counters(setup, result, note, false);
  }
}

}  // namespace
}  // namespace dsgdlab
