#pragma once

/// Shared helpers of the real-time engines' tests (test_threads_sync.cpp, test_threads_async.cpp,
/// test_threads_stress.cpp, and tests/mpi/test_mpi_engine.cpp): a watchdog around run_threads,
/// so that a deadlocked engine fails the test instead of hanging CI, the checks every run on a
/// real engine must pass whatever the schedule was (trace shape, probe bookkeeping, update
/// counters), the bitwise comparison of a synchronous run with `sim`, and the problem and
/// statistics of the asynchronous convergence tests.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "sim_test_support.hpp"

namespace dsgdlab::threads_test {

/// How long one threaded run may take before the test declares a deadlock. Every run in these
/// tests takes well under 2 s in Release (under 20 s with ThreadSanitizer), so 60 s is only
/// ever reached by a hung run.
inline constexpr std::chrono::seconds kWatchdog{60};

/// run_threads(setup) on its own thread, waited for at most kWatchdog: on timeout the test
/// prints what hung and aborts the process (a hung engine cannot be cancelled, and a test that
/// waits forever would hang CI). Exceptions of the run are rethrown here (future::get).
inline RunResult run_threads_watched(const RunSetup& setup, const std::string& what,
                                     const ProgressCallback& progress = {}) {
  auto future =
      std::async(std::launch::async, [&setup, &progress] { return run_threads(setup, progress); });
  if (future.wait_for(kWatchdog) != std::future_status::ready) {
    std::fprintf(stderr,
                 "threads engine test: '%s' did not finish within %lld s (deadlock?); "
                 "aborting\n",
                 what.c_str(), static_cast<long long>(kWatchdog.count()));
    std::fflush(stderr);
    std::abort();
  }
  return future.get();
}

/// Probe bookkeeping every finished run must show (acceptance item 4): rows at strictly
/// increasing iterations, the first at 0 and the last at K; the threads engine reports wall
/// time as virtual time; wall and probe times are finite and non-negative, and wall time
/// never decreases along the trace (probe time, which it excludes, is a part of the elapsed
/// time). `elapsed_s` is the wall time measured around the call: wall + probe time, both
/// parts of it, cannot exceed it.
inline void expect_trace_shape(const RunResult& result, std::int64_t iterations,
                               bool running_average_exact, double elapsed_s,
                               const std::string& what) {
  ASSERT_FALSE(result.trace.empty()) << what;
  EXPECT_EQ(result.trace.front().iteration, 0) << what;
  EXPECT_EQ(result.trace.back().iteration, iterations) << what;
  for (std::size_t r = 1; r < result.trace.size(); ++r) {
    EXPECT_LT(result.trace[r - 1].iteration, result.trace[r].iteration) << what << ", row " << r;
    EXPECT_LE(result.trace[r - 1].wall_time_s, result.trace[r].wall_time_s)
        << what << ", row " << r;
    EXPECT_LE(result.trace[r - 1].gradient_evaluations, result.trace[r].gradient_evaluations)
        << what << ", row " << r;
  }
  for (const TraceRow& row : result.trace) {
    EXPECT_EQ(row.virtual_time_s, row.wall_time_s) << what << ", iteration " << row.iteration;
    EXPECT_GE(row.wall_time_s, 0.0) << what << ", iteration " << row.iteration;
    EXPECT_TRUE(std::isfinite(row.loss) && std::isfinite(row.grad_norm_sq))
        << what << ", iteration " << row.iteration;
  }
  EXPECT_EQ(result.running_average_exact, running_average_exact) << what;
  // Estimated R(K) (asynchronous runs on real engines) samples x̄ at the probe snapshots, each
  // once, row 0 included: the last row's R is the mean of the rows' ‖∇f(x̄)‖² (summed in the
  // same order, so to rounding only).
  if (!running_average_exact && !std::isnan(result.trace.back().running_avg_grad_norm_sq)) {
    double sum = 0.0;
    for (const TraceRow& row : result.trace) sum += row.grad_norm_sq;
    const double mean = sum / static_cast<double>(result.trace.size());
    EXPECT_NEAR(result.trace.back().running_avg_grad_norm_sq, mean, 1e-12 * mean) << what;
  }
  EXPECT_TRUE(std::isfinite(result.probe_time_s) && result.probe_time_s >= 0.0)
      << what << ": probe_time_s " << result.probe_time_s;
  EXPECT_TRUE(std::isfinite(result.wall_time_s) && result.wall_time_s >= 0.0)
      << what << ": wall_time_s " << result.wall_time_s;
  EXPECT_LE(result.trace.back().wall_time_s, result.wall_time_s) << what;
  EXPECT_LE(result.wall_time_s + result.probe_time_s, elapsed_s)
      << what << ": wall " << result.wall_time_s << " s + probes " << result.probe_time_s
      << " s exceed the " << elapsed_s << " s the call took";
  // The engine's clock is the wall clock; the run's virtual time is read before its end.
  EXPECT_TRUE(result.virtual_time_s >= 0.0 && result.virtual_time_s <= result.wall_time_s)
      << what << ": virtual_time_s " << result.virtual_time_s << ", wall_time_s "
      << result.wall_time_s;
}

/// run_threads_watched plus the wall time the call took, then expect_trace_shape.
inline RunResult run_and_check_shape(const RunSetup& setup, const std::string& what) {
  const auto start = std::chrono::steady_clock::now();
  RunResult result = run_threads_watched(setup, what);
  const double elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_trace_shape(result, setup.run.iterations, !is_asynchronous(setup.algorithm.kind),
                     elapsed_s, what);
  return result;
}

/// Counters of an asynchronous run (acceptance item 3): one UpdateRecord per applied update,
/// K of them (result.iterations ≤ K when the run ended early, status not ok), every τ ≥ 0 and below
/// K, worker_updates[i] = the records of worker i (so they sum to K), at least K gradients and at
/// most K + n (a worker's last gradient may find the run over). AD-PSGD: one pair count per graph
/// edge, and every averaging is initiated by a worker of the initiating side: with random pairing
/// every update averages (every worker of the tests' graphs has a neighbour), so the counts sum to
/// K; with bipartite pairing each edge has exactly one side-0 endpoint, so the counts of the edges
/// at side-0 worker i sum to its updates, and side-1 workers' updates average nothing, yet they
/// apply updates: every one of them when `every_passive_updates` (small n, long runs), the side as
/// a whole otherwise (with 64 threads on 2 cores, whether the scheduler ran every thread is not the
/// engine's doing).
inline void expect_async_counters(const RunSetup& setup, const RunResult& result,
                                  const std::string& what, bool every_passive_updates = true) {
  const std::int64_t iterations = result.status.is_ok() ? setup.run.iterations : result.iterations;
  const int n = setup.problem->num_workers();
  EXPECT_EQ(result.iterations, iterations) << what;
  EXPECT_LE(result.iterations, setup.run.iterations) << what;
  ASSERT_EQ(static_cast<std::int64_t>(result.updates.size()), iterations) << what;
  ASSERT_EQ(result.worker_updates.size(), static_cast<std::size_t>(n)) << what;
  std::vector<std::int64_t> counted(static_cast<std::size_t>(n), 0);
  for (std::size_t k = 0; k < result.updates.size(); ++k) {
    const UpdateRecord& update = result.updates[k];
    ASSERT_TRUE(update.worker >= 0 && update.worker < n) << what << ", update " << k;
    EXPECT_GE(update.staleness, 0) << what << ", update " << k;
    EXPECT_LT(update.staleness, iterations) << what << ", update " << k;
    ++counted[static_cast<std::size_t>(update.worker)];
  }
  std::int64_t total = 0;
  for (std::size_t i = 0; i < counted.size(); ++i) {
    EXPECT_EQ(result.worker_updates[i], counted[i]) << what << ", worker " << i;
    total += result.worker_updates[i];
  }
  EXPECT_EQ(total, iterations) << what;
  EXPECT_GE(result.gradient_evaluations, iterations) << what;
  EXPECT_LE(result.gradient_evaluations, iterations + n) << what;
  EXPECT_EQ(result.final_models.rows(), setup.problem->dim()) << what;
  EXPECT_EQ(result.final_models.cols(), n) << what;
  if (result.status.code() != StatusCode::kDiverged) {
    EXPECT_TRUE(result.final_models.allFinite()) << what;
  }

  if (setup.algorithm.kind != AlgorithmKind::kAdpsgd) {
    EXPECT_TRUE(result.pair_counts.empty()) << what;
    return;
  }
  const Graph& graph = *setup.graph;
  ASSERT_EQ(result.pair_counts.size(), graph.num_edges()) << what;
  std::int64_t averagings = 0;
  for (std::int64_t count : result.pair_counts) {
    EXPECT_GE(count, 0) << what;
    averagings += count;
  }
  if (setup.algorithm.pairing == PairingMode::kRandom) {
    EXPECT_EQ(averagings, iterations) << what;
    return;
  }
  const std::vector<int> side = *bipartition(graph);
  const auto edges = graph.edges();
  std::vector<std::int64_t> initiated(static_cast<std::size_t>(n), 0);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const auto [u, v] = edges[e];
    ASSERT_NE(side[static_cast<std::size_t>(u)], side[static_cast<std::size_t>(v)]) << what;
    const int active = side[static_cast<std::size_t>(u)] == 0 ? u : v;
    initiated[static_cast<std::size_t>(active)] += result.pair_counts[e];
  }
  std::int64_t active_updates = 0;
  std::int64_t passive_updates = 0;
  for (int i = 0; i < n; ++i) {
    const auto w = static_cast<std::size_t>(i);
    if (side[w] == 0) {
      EXPECT_EQ(initiated[w], result.worker_updates[w]) << what << ", active worker " << i;
      active_updates += result.worker_updates[w];
    } else {
      passive_updates += result.worker_updates[w];
      if (every_passive_updates) {
        EXPECT_GT(result.worker_updates[w], 0)
            << what << ": passive worker " << i << " applied no update of its own";
      }
    }
  }
  EXPECT_EQ(averagings, active_updates) << what;
  EXPECT_EQ(active_updates + passive_updates, iterations) << what;
  EXPECT_GT(passive_updates, 0) << what << ": the passive side applied no update";
}

/// A synchronous run on a real engine against the same setup on `sim`: the same bits
/// everywhere except the times: final models, every trace row's iteration, gradient
/// evaluations, η, f(x̄), ‖∇f(x̄)‖², R and Ξ, the status and the run's counters.
inline void expect_same_bits_as_sim(const RunResult& actual, const RunResult& sim,
                                    const std::string& note) {
  ASSERT_EQ(actual.status.to_string(), sim.status.to_string()) << note;
  sim_test::expect_bitwise_equal(actual.final_models, sim.final_models, note);
  ASSERT_EQ(actual.trace.size(), sim.trace.size()) << note;
  for (std::size_t r = 0; r < sim.trace.size(); ++r) {
    const TraceRow& a = actual.trace[r];
    const TraceRow& e = sim.trace[r];
    const std::string row = note + ", row " + std::to_string(r);
    EXPECT_EQ(a.iteration, e.iteration) << row;
    EXPECT_EQ(a.gradient_evaluations, e.gradient_evaluations) << row;
    EXPECT_EQ(a.step_size, e.step_size) << row;
    EXPECT_EQ(a.loss, e.loss) << row;
    EXPECT_EQ(a.grad_norm_sq, e.grad_norm_sq) << row;
    EXPECT_EQ(a.consensus, e.consensus) << row;
    if (!(std::isnan(a.running_avg_grad_norm_sq) && std::isnan(e.running_avg_grad_norm_sq))) {
      EXPECT_EQ(a.running_avg_grad_norm_sq, e.running_avg_grad_norm_sq) << row;
    }
  }
  EXPECT_EQ(actual.iterations, sim.iterations) << note;
  EXPECT_EQ(actual.gradient_evaluations, sim.gradient_evaluations) << note;
  EXPECT_EQ(actual.worker_updates, sim.worker_updates) << note;
  EXPECT_TRUE(actual.updates.empty()) << note;
  EXPECT_EQ(actual.pair_counts, sim.pair_counts) << note;
  EXPECT_TRUE(actual.running_average_exact) << note;
}

/// The synchronous setups of one problem with n workers, each `iterations` rounds: AllReduce-SGD,
/// local SGD, two-level H-SGD, multi-level H-SGD (when n has a nontrivial nested grouping), D-PSGD.
struct NamedSetup {
  std::string name;
  RunSetup setup;
};

inline std::vector<NamedSetup> synchronous_setups(const Problem& problem, std::int64_t iterations) {
  const int n = problem.num_workers();
  std::vector<NamedSetup> setups;
  setups.push_back(
      {"allreduce_sgd", sim_test::base_setup(problem, AlgorithmKind::kAllreduceSgd, iterations)});

  RunSetup local = sim_test::base_setup(problem, AlgorithmKind::kLocalSgd, iterations);
  local.algorithm.period = 4;
  setups.push_back({"local_sgd(P=4)", local});

  RunSetup hsgd = sim_test::base_setup(problem, AlgorithmKind::kHsgd, iterations);
  hsgd.algorithm.local_period = 2;
  hsgd.algorithm.global_period = 6;
  hsgd.grouping = from_two_level(contiguous_grouping(n, n >= 8 ? n / 4 : 2));
  setups.push_back({"hsgd(I=2, G=6)", hsgd});

  // Nested groupings need cluster sizes dividing n: pairs in quads (n = 8), pairs in sextets
  // drawn at random (n = 12).
  if (n == 8 || n == 12) {
    RunSetup multi = sim_test::base_setup(problem, AlgorithmKind::kHsgd, iterations);
    multi.algorithm.level_periods = {2, 4, 8};
    RandomStream rng(StreamKey{.seed = sim_test::kSeed, .purpose = StreamPurpose::kGrouping});
    multi.grouping = n == 8 ? nested_grouping(n, {2, 4}, false, nullptr)
                            : nested_grouping(n, {2, 6}, true, &rng);
    setups.push_back({"hsgd(level_periods=2|4|8)", multi});
  }

  RunSetup dpsgd = sim_test::base_setup(problem, AlgorithmKind::kDpsgd, iterations);
  dpsgd.graph = n == 8 ? hypercube(3) : ring(n);
  dpsgd.mixing = mixing_matrix(*dpsgd.graph, MixingRule::kMetropolisHastings);
  setups.push_back({"dpsgd", dpsgd});
  return setups;
}

/// The asynchronous algorithms of the convergence tests.
enum class Variant { kAdpsgdRandom, kAdpsgdBipartite, kApsgd };

inline std::string to_string(Variant variant) {
  switch (variant) {
    case Variant::kAdpsgdRandom: return "adpsgd(random)";
    case Variant::kAdpsgdBipartite: return "adpsgd(bipartite)";
    case Variant::kApsgd: return "apsgd";
  }
  return "?";
}

/// A nearly homogeneous noisy quadratic (shared curvatures in [0.5, 1.5], centres 0.2 apart,
/// σ² = 4): an asynchronous algorithm optimises the objective weighted by how often each worker
/// updates, which differs between a real schedule and a simulated one; with near-equal
/// centres that bias is far below the noise floor, so the final ‖∇f(x̄)‖² measures the
/// algorithm and the noise, not the schedule.
inline QuadraticOptions convergence_quadratic_options(int num_workers) {
  return QuadraticOptions{.dim = 100,
                          .num_workers = num_workers,
                          .curvature_min = 0.5,
                          .curvature_max = 1.5,
                          .curvature_sharing = CurvatureSharing::kShared,
                          .num_groups = 1,
                          .group_center_spread = 1.0,
                          .worker_center_spread = 0.2,
                          .noise_variance = 4.0,
                          .seed = 5};
}

/// Sample mean and standard deviation (denominator S − 1).
struct SampleStatistics {
  double mean = 0.0;
  double sd = 0.0;
};

inline SampleStatistics statistics(const std::vector<double>& values) {
  const auto count = static_cast<double>(values.size());
  double sum = 0.0;
  for (double value : values) sum += value;
  const double mean = sum / count;
  double sum_squares = 0.0;
  for (double value : values) sum_squares += (value - mean) * (value - mean);
  return {.mean = mean, .sd = std::sqrt(sum_squares / (count - 1.0))};
}

/// The convergence criterion's yardstick: S = 10 seeds on `sim`, and t = 11.64, the two-sided
/// 1e-6 quantile of Student's t with S − 1 = 9 degrees of freedom (one more run from the same
/// distribution falls outside m ± t·sd·√(1 + 1/S) with probability 1e-6).
inline constexpr int kSimSeeds = 10;
inline constexpr double kStudentT9TwoSided1e6 = 11.64;

}  // namespace dsgdlab::threads_test
