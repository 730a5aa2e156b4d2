// The deterministic `sim` engine against hand-written references of theory.md §2 (a few
// iterations on 3–8 workers, every algorithm), the trace it records, its determinism, its
// virtual time under the cost model of §3, and its input errors and run statuses.
//
// The references (sim_test_support.hpp) are written from the specification only; where they
// perform the same floating-point operations in the same order as the specification fixes, the
// comparison is bit for bit (EXPECT_EQ on doubles).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/core/errors.hpp"
#include "sim_test_support.hpp"

namespace dsgdlab {
namespace {

using namespace sim_test;

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

RunSetup dpsgd_setup(const Problem& problem, const Graph& graph, std::int64_t iterations) {
  RunSetup setup = base_setup(problem, AlgorithmKind::kDpsgd, iterations);
  setup.graph = graph;
  setup.mixing = mixing_matrix(graph, MixingRule::kMetropolisHastings);
  return setup;
}

RunSetup adpsgd_setup(const Problem& problem, const Graph& graph, PairingMode pairing,
                      std::int64_t iterations) {
  RunSetup setup = base_setup(problem, AlgorithmKind::kAdpsgd, iterations);
  setup.graph = graph;
  setup.algorithm.pairing = pairing;
  return setup;
}

void expect_async_matches(const RunResult& result, const AsyncReference& reference,
                          const std::string& what) {
  EXPECT_TRUE(result.status.is_ok()) << what << ": " << result.status.to_string();
  expect_bitwise_equal(result.final_models, reference.models, what);
  ASSERT_EQ(result.updates.size(), reference.updates.size()) << what;
  for (std::size_t k = 0; k < result.updates.size(); ++k) {
    EXPECT_EQ(result.updates[k].worker, reference.updates[k].worker) << what << ", update " << k;
    EXPECT_EQ(result.updates[k].staleness, reference.updates[k].staleness)
        << what << ", update " << k;
  }
  EXPECT_EQ(result.virtual_time_s, reference.virtual_time_s) << what;
}

// ---------------------------------------------------------------------------------------------
// 1. Hand-written references, every algorithm.

TEST(SimReference, SgdOneWorker) {
  const QuadraticProblem problem(quadratic_options(1));
  const RunSetup setup = base_setup(problem, AlgorithmKind::kSgd, 7);
  // x_{k+1} = x_k − η_k g(x_k).
  Vector x = problem.initial_point();
  RandomStream stream = sampling_stream(setup, 0);
  Vector g(problem.dim());
  for (std::int64_t k = 0; k < 7; ++k) {
    problem.stochastic_gradient(0, x, setup.algorithm.batch_size, stream, g);
    reference_sgd_step(x, g, setup.algorithm.step.at(k));
  }
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  expect_bitwise_equal(result.final_models, Matrix(x), "sgd, " + seed_note(setup));
  EXPECT_EQ(result.iterations, 7);
  EXPECT_EQ(result.gradient_evaluations, 7);
}

TEST(SimReference, AllreduceSgdTextbookForm) {
  // x_{k+1} = x_k − η_k (1/n) Σ_i g_i(x_k). The engine averages the models x_k − η_k g_i(x_k)
  // instead, which rounds differently: each round the two forms differ by at most about
  // (n + 2)·ε·max|x| (an n-term sum and a division each), and the K rounds add up, so
  // 4·K·(n + 2)·ε·max|x| bounds the difference with room to spare.
  const int n = 3;
  const std::int64_t iterations = 7;
  const QuadraticProblem problem(quadratic_options(n));
  const RunSetup setup = base_setup(problem, AlgorithmKind::kAllreduceSgd, iterations);
  Vector x = problem.initial_point();
  auto streams = sampling_streams(setup);
  Vector g(problem.dim());
  Vector sum(problem.dim());
  for (std::int64_t k = 0; k < iterations; ++k) {
    sum.setZero();
    for (int i = 0; i < n; ++i) {
      problem.stochastic_gradient(i, x, setup.algorithm.batch_size,
                                  streams[static_cast<std::size_t>(i)], g);
      sum += g;
    }
    x -= setup.algorithm.step.at(k) * (sum / static_cast<double>(n));
  }
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  const double tolerance =
      4.0 * static_cast<double>(iterations) * (n + 2) * kEpsilon * x.cwiseAbs().maxCoeff();
  for (Index i = 0; i < n; ++i) {
    EXPECT_LE((result.final_models.col(i) - x).cwiseAbs().maxCoeff(), tolerance)
        << "worker " << i << ", " << seed_note(setup);
    EXPECT_TRUE(columns_identical(result.final_models, 0, i)) << "worker " << i;
  }
  EXPECT_EQ(result.gradient_evaluations, n * iterations);
}

TEST(SimReference, LocalSgdPeriodTwoFromAGivenInitialPoint) {
  const int n = 3;
  const QuadraticProblem problem(quadratic_options(n));
  RunSetup setup = base_setup(problem, AlgorithmKind::kLocalSgd, 7);
  setup.algorithm.period = 2;
  setup.initial_point = Vector::LinSpaced(problem.dim(), -1.0, 2.0);
  const Matrix expected = reference_periodic(setup, [&](std::int64_t t, Matrix& models) {
    if (t % 2 == 0) reference_average(models, {0, 1, 2});
  });
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  expect_bitwise_equal(result.final_models, expected, "local_sgd P=2, " + seed_note(setup));
  // After 7 steps (not a multiple of 2) the workers differ.
  EXPECT_FALSE(columns_identical(result.final_models, 0, 1));
}

TEST(SimReference, HsgdTwoLevelUnequalGroups) {
  // I = 2, G = 4, groups {0, 1} and {2}: after step t, global average when 4 | t, otherwise
  // group averages when 2 | t.
  const int n = 3;
  const QuadraticProblem problem(quadratic_options(n));
  RunSetup setup = base_setup(problem, AlgorithmKind::kHsgd, 7);
  setup.algorithm.local_period = 2;
  setup.algorithm.global_period = 4;
  setup.grouping = from_two_level(Grouping::from_assignment({0, 0, 1}));
  const Matrix expected = reference_periodic(setup, [&](std::int64_t t, Matrix& models) {
    if (t % 4 == 0) {
      reference_average(models, {0, 1, 2});
    } else if (t % 2 == 0) {
      reference_average(models, {0, 1});
      reference_average(models, {2});
    }
  });
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  expect_bitwise_equal(result.final_models, expected, "hsgd I=2 G=4, " + seed_note(setup));
}

TEST(SimReference, HsgdMultiLevelNonContiguousClusters) {
  // n = 6, C_1 = {0,3}, {1,4}, {2,5}; C_2 = {0,1,3,4}, {2,5}; C_3 = all; periods 1 | 2 | 4.
  // After step t the clusters of the largest level whose period divides t average.
  const int n = 6;
  const QuadraticProblem problem(quadratic_options(n));
  RunSetup setup = base_setup(problem, AlgorithmKind::kHsgd, 9);
  setup.algorithm.level_periods = {1, 2, 4};
  setup.grouping = HierarchicalGrouping{.num_workers = n,
                                        .levels = {Grouping::from_assignment({0, 1, 2, 0, 1, 2}),
                                                   Grouping::from_assignment({0, 0, 1, 0, 0, 1})}};
  const Matrix expected = reference_periodic(setup, [&](std::int64_t t, Matrix& models) {
    if (t % 4 == 0) {
      reference_average(models, {0, 1, 2, 3, 4, 5});
    } else if (t % 2 == 0) {
      reference_average(models, {0, 1, 3, 4});
      reference_average(models, {2, 5});
    } else {
      reference_average(models, {0, 3});
      reference_average(models, {1, 4});
      reference_average(models, {2, 5});
    }
  });
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  expect_bitwise_equal(result.final_models, expected, "hsgd multi-level, " + seed_note(setup));
}

TEST(SimReference, HsgdMultiLevelNestedBlocksNonconvex) {
  // n = 8, nested_grouping sizes {2, 4}: pairs inside quads inside all; periods 2 | 4 | 8.
  const int n = 8;
  const NonconvexSeparableProblem problem(nonconvex_options(n));
  RunSetup setup = base_setup(problem, AlgorithmKind::kHsgd, 9);
  setup.algorithm.level_periods = {2, 4, 8};
  setup.grouping = nested_grouping(n, {2, 4}, false, nullptr);
  const Matrix expected = reference_periodic(setup, [&](std::int64_t t, Matrix& models) {
    if (t % 8 == 0) {
      reference_average(models, all_workers(n));
    } else if (t % 4 == 0) {
      reference_average(models, {0, 1, 2, 3});
      reference_average(models, {4, 5, 6, 7});
    } else if (t % 2 == 0) {
      for (int p = 0; p < n; p += 2) reference_average(models, {p, p + 1});
    }
  });
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  expect_bitwise_equal(result.final_models, expected,
                       "hsgd multi-level nonconvex, " + seed_note(setup));
}

// D-PSGD: x_i ← Σ_j W_ij x_j − η_k g_i(x_i^old), the mixing sum in ascending j.
Matrix reference_dpsgd(const RunSetup& setup) {
  const Problem& problem = *setup.problem;
  const Matrix w = Matrix(setup.mixing);
  Matrix models = initial_models(setup);
  auto streams = sampling_streams(setup);
  Vector g(problem.dim());
  Matrix next(models.rows(), models.cols());
  for (std::int64_t k = 0; k < setup.run.iterations; ++k) {
    for (int i = 0; i < problem.num_workers(); ++i) {
      for (Index r = 0; r < models.rows(); ++r) {
        double sum = 0.0;
        for (Index j = 0; j < models.cols(); ++j) {
          if (w(i, j) != 0.0) sum += w(i, j) * models(r, j);
        }
        next(r, i) = sum;
      }
      problem.stochastic_gradient(i, models.col(i), setup.algorithm.batch_size,
                                  streams[static_cast<std::size_t>(i)], g);
      reference_sgd_step(next.col(i), g, setup.algorithm.step.at(k));
    }
    models = next;
  }
  return models;
}

TEST(SimReference, DpsgdRingMetropolisHastings) {
  {
    const QuadraticProblem problem(quadratic_options(3));
    const RunSetup setup = dpsgd_setup(problem, ring(3), 7);
    const RunResult result = run_simulation(setup);
    ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
    expect_bitwise_equal(result.final_models, reference_dpsgd(setup),
                         "dpsgd ring 3 quadratic, " + seed_note(setup));
  }
  {
    // A ring of 5 has W_ij = 0 for non-neighbours, so the mixing is not a plain average.
    const NonconvexSeparableProblem problem(nonconvex_options(5));
    const RunSetup setup = dpsgd_setup(problem, ring(5), 7);
    const RunResult result = run_simulation(setup);
    ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
    expect_bitwise_equal(result.final_models, reference_dpsgd(setup),
                         "dpsgd ring 5 nonconvex, " + seed_note(setup));
  }
}

TEST(SimReference, AdpsgdRandomPairingRingOfThreeLockstep) {
  const QuadraticProblem problem(quadratic_options(3));
  const RunSetup setup = adpsgd_setup(problem, ring(3), PairingMode::kRandom, 7);
  const AsyncReference reference = reference_async(setup, {1.0, 1.0, 1.0}, true);
  const RunResult result = run_simulation(setup);
  expect_async_matches(result, reference, "adpsgd random ring 3, " + seed_note(setup));
  EXPECT_EQ(result.pair_counts, reference.pair_counts);
}

TEST(SimReference, AdpsgdRandomPairingWithASlowWorker) {
  // Worker 1 takes 3 s per gradient: the event order is no longer round-robin.
  const QuadraticProblem problem(quadratic_options(4));
  RunSetup setup = adpsgd_setup(problem, ring(4), PairingMode::kRandom, 15);
  setup.cost.slow_workers = {WorkerSlowdown{.worker = 1, .factor = 3.0}};
  const AsyncReference reference = reference_async(setup, {1.0, 3.0, 1.0, 1.0}, true);
  const RunResult result = run_simulation(setup);
  expect_async_matches(result, reference, "adpsgd random ring 4 slow, " + seed_note(setup));
  EXPECT_EQ(result.pair_counts, reference.pair_counts);
}

TEST(SimReference, AdpsgdBipartitePairing) {
  {
    // Ring of 4: sides {0, 2} (initiate) and {1, 3} (passive).
    const QuadraticProblem problem(quadratic_options(4));
    const RunSetup setup = adpsgd_setup(problem, ring(4), PairingMode::kBipartite, 9);
    const AsyncReference reference = reference_async(setup, {1.0, 1.0, 1.0, 1.0}, true);
    const RunResult result = run_simulation(setup);
    expect_async_matches(result, reference, "adpsgd bipartite ring 4, " + seed_note(setup));
    EXPECT_EQ(result.pair_counts, reference.pair_counts);
  }
  {
    const NonconvexSeparableProblem problem(nonconvex_options(8));
    const RunSetup setup = adpsgd_setup(problem, hypercube(3), PairingMode::kBipartite, 19);
    const AsyncReference reference = reference_async(setup, std::vector<double>(8, 1.0), true);
    const RunResult result = run_simulation(setup);
    expect_async_matches(result, reference, "adpsgd bipartite hypercube, " + seed_note(setup));
    EXPECT_EQ(result.pair_counts, reference.pair_counts);
  }
}

TEST(SimReference, ApsgdThreeWorkers) {
  const QuadraticProblem problem(quadratic_options(3));
  const RunSetup setup = base_setup(problem, AlgorithmKind::kApsgd, 7);
  const AsyncReference reference = reference_async(setup, {1.0, 1.0, 1.0}, false);
  const RunResult result = run_simulation(setup);
  expect_async_matches(result, reference, "apsgd, " + seed_note(setup));
}

TEST(SimReference, ApsgdWithASlowWorker) {
  const QuadraticProblem problem(quadratic_options(3));
  RunSetup setup = base_setup(problem, AlgorithmKind::kApsgd, 12);
  setup.cost.slow_workers = {WorkerSlowdown{.worker = 0, .factor = 2.0}};
  const AsyncReference reference = reference_async(setup, {2.0, 1.0, 1.0}, false);
  const RunResult result = run_simulation(setup);
  expect_async_matches(result, reference, "apsgd slow worker 0, " + seed_note(setup));
}

TEST(SimReference, AsyncWithExponentialComputeTimes) {
  // Compute times c·s_i·Z with Z = rng_i.exponential(1) from worker i's kComputeTime stream
  // (cost_model.hpp), c = 0.5 and worker 1 three times slower: the event order is irregular.
  // c is a power of two, so c·s_i·Z has the same bits in any multiplication order.
  const QuadraticProblem problem(quadratic_options(5));
  for (AlgorithmKind kind : {AlgorithmKind::kAdpsgd, AlgorithmKind::kApsgd}) {
    RunSetup setup = base_setup(problem, kind, 40);
    if (kind == AlgorithmKind::kAdpsgd) setup.graph = ring(5);
    setup.cost.compute_time_s = 0.5;
    setup.cost.compute_distribution = ComputeTimeDistribution::kExponential;
    setup.cost.slow_workers = {WorkerSlowdown{.worker = 1, .factor = 3.0}};
    std::vector<RandomStream> time_streams;
    for (int i = 0; i < 5; ++i) {
      time_streams.emplace_back(StreamKey{.seed = setup.run.seed,
                                          .run = setup.run.run_index,
                                          .worker = static_cast<std::uint64_t>(i),
                                          .purpose = StreamPurpose::kComputeTime});
    }
    const AsyncReference reference = reference_async_with(
        setup,
        [&](int i) {
          const double slowdown = i == 1 ? 3.0 : 1.0;
          return 0.5 * slowdown * time_streams[static_cast<std::size_t>(i)].exponential(1.0);
        },
        kind == AlgorithmKind::kAdpsgd);
    const RunResult result = run_simulation(setup);
    const std::string what =
        std::string(to_string(kind)) + " exponential times, " + seed_note(setup);
    expect_async_matches(result, reference, what);
    EXPECT_EQ(result.pair_counts, reference.pair_counts) << what;
  }
}

// ---------------------------------------------------------------------------------------------
// Trace rows.

TEST(SimTrace, RowsAtZeroEveryPeriodAndTheLastIteration) {
  const int n = 3;
  const QuadraticProblem problem(quadratic_options(n));
  for (AlgorithmKind kind : {AlgorithmKind::kLocalSgd, AlgorithmKind::kApsgd}) {
    RunSetup setup = base_setup(problem, kind, 23);
    setup.run.probe.every_iterations = 5;
    const RunResult result = run_simulation(setup);
    ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
    std::vector<std::int64_t> iterations;
    for (const auto& row : result.trace) iterations.push_back(row.iteration);
    EXPECT_EQ(iterations, (std::vector<std::int64_t>{0, 5, 10, 15, 20, 23})) << to_string(kind);
    EXPECT_EQ(result.iterations, 23);
    EXPECT_EQ(result.final_models.rows(), problem.dim());
    EXPECT_EQ(result.final_models.cols(), n);
    if (kind == AlgorithmKind::kLocalSgd) {
      for (const auto& row : result.trace) {
        EXPECT_EQ(row.gradient_evaluations, n * row.iteration) << "row " << row.iteration;
        EXPECT_EQ(row.virtual_time_s, static_cast<double>(row.iteration));
      }
      EXPECT_EQ(result.worker_updates, (std::vector<std::int64_t>{23, 23, 23}));
      EXPECT_TRUE(result.updates.empty());
    } else {
      EXPECT_EQ(result.updates.size(), 23U);
      std::int64_t total = 0;
      for (std::int64_t count : result.worker_updates) total += count;
      EXPECT_EQ(total, 23);
    }
  }
}

// f(x̄), ‖∇f(x̄)‖², Ξ and R(k) = (1/k) Σ_{k'<k} ‖∇f(x̄_{k'})‖² from reference models. The
// reference recomputes x̄, the loss and the norms with its own summation order, so agreement is
// to a relative 1e-12 (a few hundred ε: sums of d·n terms of size ≤ max|x|², far from
// cancellation at these points).
constexpr double kTraceRelativeTolerance = 1e-12;

struct ProbeValues {
  double loss;
  double grad_norm_sq;
  double consensus;
};

ProbeValues probe(const Problem& problem, const Matrix& models) {
  const Vector mean = models.rowwise().mean();
  Vector gradient(problem.dim());
  problem.full_gradient(mean, gradient);
  double consensus = 0.0;
  for (Index i = 0; i < models.cols(); ++i) consensus += (models.col(i) - mean).squaredNorm();
  return {problem.loss(mean), gradient.squaredNorm(),
          consensus / static_cast<double>(models.cols())};
}

void expect_close(double actual, double expected, const std::string& what) {
  EXPECT_NEAR(actual, expected, kTraceRelativeTolerance * std::max(1.0, std::abs(expected)))
      << what;
}

void expect_trace_matches(const Problem& problem, const RunResult& result,
                          const std::vector<Matrix>& models_after, const std::string& what) {
  ASSERT_EQ(result.trace.size(), models_after.size()) << what;
  double running_sum = 0.0;
  for (std::size_t k = 0; k < models_after.size(); ++k) {
    const TraceRow& row = result.trace[k];
    ASSERT_EQ(row.iteration, static_cast<std::int64_t>(k)) << what;
    const ProbeValues expected = probe(problem, models_after[k]);
    const std::string where = what + ", row " + std::to_string(k);
    expect_close(row.loss, expected.loss, where + " loss");
    expect_close(row.grad_norm_sq, expected.grad_norm_sq, where + " grad_norm_sq");
    expect_close(row.consensus, expected.consensus, where + " consensus");
    if (k > 0) {
      expect_close(row.running_avg_grad_norm_sq, running_sum / static_cast<double>(k),
                   where + " R(k)");
    }
    running_sum += expected.grad_norm_sq;
  }
}

TEST(SimTrace, ProbeQuantitiesMatchTheReferenceModels) {
  const int n = 3;
  const std::int64_t iterations = 10;
  const QuadraticProblem problem(quadratic_options(n));
  {
    RunSetup setup = base_setup(problem, AlgorithmKind::kLocalSgd, iterations);
    setup.algorithm.period = 3;
    std::vector<Matrix> models_after{initial_models(setup)};
    reference_periodic(setup, [&](std::int64_t t, Matrix& models) {
      if (t % 3 == 0) reference_average(models, {0, 1, 2});
      models_after.push_back(models);
    });
    expect_trace_matches(problem, run_simulation(setup), models_after, "local_sgd");
  }
  {
    // Asynchronous: the models after k applied updates, from reference runs of length k.
    RunSetup setup = adpsgd_setup(problem, ring(3), PairingMode::kRandom, iterations);
    std::vector<Matrix> models_after{initial_models(setup)};
    for (std::int64_t k = 1; k <= iterations; ++k) {
      RunSetup prefix = setup;
      prefix.run.iterations = k;
      models_after.push_back(reference_async(prefix, {1.0, 1.0, 1.0}, true).models);
    }
    expect_trace_matches(problem, run_simulation(setup), models_after, "adpsgd");
  }
}

TEST(SimTrace, RowsWhenVirtualTimeCrossesAMultiple) {
  // 1 s per round, a row whenever virtual time reaches a multiple of 2.5 s: after rounds 3
  // (t = 3 ≥ 2.5), 5 (t = 5 ≥ 5), 8 (t = 8 ≥ 7.5) and 10 (t = 10 ≥ 10, also the last).
  const QuadraticProblem problem(quadratic_options(3));
  RunSetup setup = base_setup(problem, AlgorithmKind::kLocalSgd, 10);
  setup.run.probe.every_iterations = 0;
  setup.run.probe.every_virtual_time_s = 2.5;
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  std::vector<std::int64_t> iterations;
  for (const auto& row : result.trace) iterations.push_back(row.iteration);
  EXPECT_EQ(iterations, (std::vector<std::int64_t>{0, 3, 5, 8, 10}));
}

TEST(SimTrace, SubsampledRunningAverage) {
  // running_average_every = 2: R(k) averages ‖∇f(x̄_{k'})‖² over the even k' < k.
  const int n = 3;
  const QuadraticProblem problem(quadratic_options(n));
  RunSetup setup = base_setup(problem, AlgorithmKind::kLocalSgd, 9);
  setup.algorithm.period = 2;
  setup.run.probe.running_average_every = 2;
  std::vector<Matrix> models_after{initial_models(setup)};
  reference_periodic(setup, [&](std::int64_t t, Matrix& models) {
    if (t % 2 == 0) reference_average(models, {0, 1, 2});
    models_after.push_back(models);
  });
  const RunResult result = run_simulation(setup);
  ASSERT_EQ(result.trace.size(), models_after.size());
  double sum = 0.0;
  int count = 0;
  for (std::size_t k = 0; k < models_after.size(); ++k) {
    if (k > 0) {
      expect_close(result.trace[k].running_avg_grad_norm_sq, sum / count,
                   "R(" + std::to_string(k) + ")");
    }
    if (k % 2 == 0) {
      sum += probe(problem, models_after[k]).grad_norm_sq;
      ++count;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 7. Determinism.

/// A setup of every algorithm on 4 workers (sgd: 1 worker), with lognormal compute times so
/// that the asynchronous event order depends on the seed too.
RunSetup any_algorithm_setup(AlgorithmKind kind, const Problem& four, const Problem& one) {
  RunSetup setup = base_setup(kind == AlgorithmKind::kSgd ? one : four, kind, 40);
  setup.run.probe.every_iterations = 7;
  setup.cost.compute_distribution = ComputeTimeDistribution::kLognormal;
  switch (kind) {
    case AlgorithmKind::kDpsgd:
      setup.graph = ring(4);
      setup.mixing = mixing_matrix(*setup.graph, MixingRule::kMetropolisHastings);
      break;
    case AlgorithmKind::kAdpsgd: setup.graph = ring(4); break;
    case AlgorithmKind::kLocalSgd: setup.algorithm.period = 3; break;
    case AlgorithmKind::kHsgd:
      setup.algorithm.local_period = 2;
      setup.algorithm.global_period = 6;
      setup.grouping = from_two_level(contiguous_grouping(4, 2));
      break;
    default: break;
  }
  return setup;
}

/// Equal doubles, or both NaN.
bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

constexpr AlgorithmKind kAllKinds[] = {AlgorithmKind::kSgd,   AlgorithmKind::kAllreduceSgd,
                                       AlgorithmKind::kDpsgd, AlgorithmKind::kAdpsgd,
                                       AlgorithmKind::kApsgd, AlgorithmKind::kLocalSgd,
                                       AlgorithmKind::kHsgd};

TEST(SimDeterminism, SameSetupSameResultDifferentSeedDifferentResult) {
  const QuadraticProblem four(quadratic_options(4));
  const QuadraticProblem one(quadratic_options(1));
  for (AlgorithmKind kind : kAllKinds) {
    const std::string name(to_string(kind));
    RunSetup setup = any_algorithm_setup(kind, four, one);
    const RunResult a = run_simulation(setup);
    const RunResult b = run_simulation(setup);
    ASSERT_TRUE(a.status.is_ok()) << name << ": " << a.status.to_string();
    EXPECT_EQ(a.status, b.status) << name;
    ASSERT_EQ(a.trace.size(), b.trace.size()) << name;
    for (std::size_t r = 0; r < a.trace.size(); ++r) {
      const TraceRow& x = a.trace[r];
      const TraceRow& y = b.trace[r];
      EXPECT_EQ(x.iteration, y.iteration) << name << " row " << r;
      EXPECT_EQ(x.gradient_evaluations, y.gradient_evaluations) << name << " row " << r;
      EXPECT_EQ(x.virtual_time_s, y.virtual_time_s) << name << " row " << r;
      EXPECT_EQ(x.step_size, y.step_size) << name << " row " << r;
      EXPECT_EQ(x.loss, y.loss) << name << " row " << r;
      EXPECT_EQ(x.grad_norm_sq, y.grad_norm_sq) << name << " row " << r;
      // R(0) averages nothing and is NaN in both runs.
      EXPECT_TRUE(same_value(x.running_avg_grad_norm_sq, y.running_avg_grad_norm_sq))
          << name << " row " << r;
      EXPECT_EQ(x.consensus, y.consensus) << name << " row " << r;
    }
    ASSERT_EQ(a.updates.size(), b.updates.size()) << name;
    for (std::size_t k = 0; k < a.updates.size(); ++k) {
      EXPECT_EQ(a.updates[k].worker, b.updates[k].worker) << name << " update " << k;
      EXPECT_EQ(a.updates[k].staleness, b.updates[k].staleness) << name << " update " << k;
    }
    EXPECT_EQ(a.pair_counts, b.pair_counts) << name;
    EXPECT_EQ(a.worker_updates, b.worker_updates) << name;
    EXPECT_EQ(a.iterations, b.iterations) << name;
    EXPECT_EQ(a.gradient_evaluations, b.gradient_evaluations) << name;
    EXPECT_EQ(a.virtual_time_s, b.virtual_time_s) << name;
    expect_bitwise_equal(a.final_models, b.final_models, name + " repeated");

    setup.run.seed += 1;
    const RunResult c = run_simulation(setup);
    EXPECT_FALSE(c.final_models == a.final_models) << name << ": seed had no effect";
  }
}

// ---------------------------------------------------------------------------------------------
// 8. Virtual time (theory.md §3). Every time below is a sum of dyadic rationals (1, 4, 0.25,
// 0.125), which doubles add exactly, so the expected times are exact.

TEST(SimVirtualTime, AllreduceRoundsWaitForTheSlowestWorker) {
  const QuadraticProblem problem(quadratic_options(3));
  for (AlgorithmKind kind : {AlgorithmKind::kAllreduceSgd, AlgorithmKind::kDpsgd}) {
    RunSetup setup = base_setup(problem, kind, 12);
    if (kind == AlgorithmKind::kDpsgd) {
      setup.graph = ring(3);
      setup.mixing = mixing_matrix(*setup.graph, MixingRule::kMetropolisHastings);
    }
    setup.cost.slow_workers = {WorkerSlowdown{.worker = 1, .factor = 4.0}};
    const RunResult result = run_simulation(setup);
    ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
    EXPECT_EQ(result.virtual_time_s, 12 * 4.0) << to_string(kind);
    EXPECT_EQ(result.trace.back().virtual_time_s, 12 * 4.0) << to_string(kind);
  }
}

TEST(SimVirtualTime, LocalSgdPaysTheRingAllreduceEveryPeriod) {
  // n = 4, d = 4 (b = 32 bytes), α = 0.25 s, β = 64 B/s: a ring allreduce takes
  // 2(n − 1)(α + b/(nβ)) = 6·(0.25 + 0.125) = 2.25 s. P = 4 local steps of 1 s each, then the
  // allreduce: 6.25 s per period; K = 12 gives 18.75 s.
  const QuadraticProblem problem(quadratic_options(4));
  RunSetup setup = base_setup(problem, AlgorithmKind::kLocalSgd, 12);
  setup.algorithm.period = 4;
  setup.cost.link_latency_s = 0.25;
  setup.cost.link_bandwidth_bytes_per_s = 64.0;
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  EXPECT_EQ(result.virtual_time_s, 18.75);
  // After 4 steps: 4 + 2.25.
  EXPECT_EQ(result.trace[4].virtual_time_s, 6.25);
}

TEST(SimVirtualTime, LocalSgdPeriodWaitsForTheSlowestWorkerOnce) {
  // n = 4, worker 2 twice slower, α = 0.25 s, β = ∞: a period is 4 local steps of the slowest
  // worker (8 s) then the allreduce 2·3·α = 1.5 s; K = 12 gives 3·9.5 = 28.5 s.
  const QuadraticProblem problem(quadratic_options(4));
  RunSetup setup = base_setup(problem, AlgorithmKind::kLocalSgd, 12);
  setup.algorithm.period = 4;
  setup.cost.link_latency_s = 0.25;
  setup.cost.slow_workers = {WorkerSlowdown{.worker = 2, .factor = 2.0}};
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  EXPECT_EQ(result.virtual_time_s, 28.5);
}

TEST(SimVirtualTime, HsgdPaysGroupAndGlobalAllreduces) {
  // n = 4, groups {0,1}, {2,3}, I = 2, G = 4, α = 0.25 s, β = ∞: a group allreduce
  // (m = 2) takes 2·1·α = 0.5 s, the global one (m = 4) 2·3·α = 1.5 s. K = 8 steps of 1 s,
  // group averages after steps 2 and 6, global after 4 and 8: 8 + 2·0.5 + 2·1.5 = 12 s.
  const QuadraticProblem problem(quadratic_options(4));
  RunSetup setup = base_setup(problem, AlgorithmKind::kHsgd, 8);
  setup.algorithm.local_period = 2;
  setup.algorithm.global_period = 4;
  setup.grouping = from_two_level(contiguous_grouping(4, 2));
  setup.cost.link_latency_s = 0.25;
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  EXPECT_EQ(result.virtual_time_s, 12.0);
}

TEST(SimVirtualTime, AdpsgdRunsAtTheSumOfTheWorkersRates) {
  // Workers with constant times t_i, free communication: by time T worker i has applied
  // ⌊T/t_i⌋ updates, so at the K-th update T·Σ 1/t_i − n < K ≤ T·Σ 1/t_i, i.e.
  // 0 ≤ T − K/Σ_i(1/t_i) < n/Σ_i(1/t_i).
  const QuadraticProblem problem(quadratic_options(4));
  RunSetup setup = adpsgd_setup(problem, ring(4), PairingMode::kRandom, 1300);
  setup.run.probe.every_iterations = 100;
  setup.cost.slow_workers = {WorkerSlowdown{.worker = 0, .factor = 4.0}};
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  const double rate = 1.0 / 4.0 + 3.0;
  const double nominal = 1300.0 / rate;
  EXPECT_GE(result.virtual_time_s, nominal);
  EXPECT_LT(result.virtual_time_s, nominal + 4.0 / rate);
}

TEST(SimVirtualTime, ParameterServerLinkIsASharedQueue) {
  // d = 4: a model is b = 32 bytes; server bandwidth 32 B/s, so every transfer holds the one
  // server link for 1 s, first come first served. Each update after a worker's first needs a
  // pull and every update a push, so the link carries ≥ 2K − n transfers before the K-th update
  // arrives: T ≥ (2K − n)·1 s. Without the queue four workers computing 1 s each would finish
  // K = 100 updates in about 25·(1 + 2) = 75 s.
  const int n = 4;
  const std::int64_t iterations = 100;
  const QuadraticProblem problem(quadratic_options(n));
  RunSetup setup = base_setup(problem, AlgorithmKind::kApsgd, iterations);
  setup.run.probe.every_iterations = 0;
  setup.cost.server_bandwidth_bytes_per_s = 32.0;
  const RunResult result = run_simulation(setup);
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  EXPECT_GE(result.virtual_time_s, static_cast<double>(2 * iterations - n));
  EXPECT_EQ(result.updates.size(), static_cast<std::size_t>(iterations));
}

TEST(SimVirtualTime, LinkLatencySlowsTheDecentralizedAlgorithms) {
  // Compute 1 s. D-PSGD with α = 2.5 s per message: a round needs the gradient (1 s) and the
  // neighbours' models of the round (≥ α), so K rounds take between K·max(1, α) (communication
  // overlapped with computation, as the engine documents in sim_rounds.cpp) and K·(1 + α)
  // (communication after computation, theory.md §3 read literally).
  // AD-PSGD with α = 0.5 s (4 equal workers, every update averages with a neighbour over a
  // link): each worker's update cycle lasts ≥ 1.5 s and some worker applies ≥ K/n of the
  // updates, so T ≥ (K/n − 1)·1.5 s, against K/n = 25 s with free communication.
  const int n = 4;
  const std::int64_t iterations = 100;
  const QuadraticProblem problem(quadratic_options(n));
  {
    RunSetup setup = dpsgd_setup(problem, ring(n), 20);
    setup.cost.link_latency_s = 2.5;
    const RunResult result = run_simulation(setup);
    ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
    EXPECT_GE(result.virtual_time_s, 20 * 2.5);
    EXPECT_LE(result.virtual_time_s, 20 * 3.5);
  }
  {
    RunSetup setup = adpsgd_setup(problem, ring(n), PairingMode::kRandom, iterations);
    setup.run.probe.every_iterations = 0;
    setup.cost.link_latency_s = 0.5;
    const RunResult result = run_simulation(setup);
    ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
    EXPECT_GE(result.virtual_time_s, (static_cast<double>(iterations) / n - 1.0) * 1.5);
  }
}

// ---------------------------------------------------------------------------------------------
// 9. Input errors and run statuses.

template <typename Action>
std::string input_error_message(Action action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "message: " << text << "\nexpected: " << part;
}

TEST(SimErrors, ValidateRejectsInconsistentSetups) {
  const QuadraticProblem three(quadratic_options(3));
  const QuadraticProblem four(quadratic_options(4));
  {
    const RunSetup setup = base_setup(three, AlgorithmKind::kSgd, 5);
    const std::string message = input_error_message([&] { setup.validate(); });
    expect_contains(message, "sgd");
    expect_contains(message, "3 workers");
    EXPECT_EQ(input_error_message([&] { (void)run_simulation(setup); }), message);
  }
  {
    const RunSetup setup = base_setup(three, AlgorithmKind::kDpsgd, 5);
    expect_contains(input_error_message([&] { (void)run_simulation(setup); }),
                    "\"dpsgd\" needs a topology");
  }
  {
    const RunSetup setup = adpsgd_setup(three, ring(3), PairingMode::kBipartite, 5);
    const std::string message = input_error_message([&] { (void)run_simulation(setup); });
    expect_contains(message, "not bipartite");
    expect_contains(message, "0 - 1 - 2 - 0");
  }
  {
    // Three periods, but the two-level grouping has M = 2 levels.
    RunSetup setup = base_setup(four, AlgorithmKind::kHsgd, 5);
    setup.algorithm.level_periods = {1, 2, 4};
    setup.grouping = from_two_level(contiguous_grouping(4, 2));
    const std::string message = input_error_message([&] { (void)run_simulation(setup); });
    expect_contains(message, "3 averaging periods");
    expect_contains(message, "2 levels");
  }
  {
    RunSetup setup = base_setup(four, AlgorithmKind::kHsgd, 5);
    setup.algorithm.local_period = 4;
    setup.algorithm.global_period = 10;
    setup.grouping = from_two_level(contiguous_grouping(4, 2));
    EXPECT_EQ(input_error_message([&] { (void)run_simulation(setup); }),
              "algorithm.global_period (10) must be a multiple of algorithm.local_period (4)");
  }
}

TEST(SimStatus, HugeStepDivergesAndKeepsTheTrace) {
  // η = 1000 and curvatures a ∈ [0.2, 2] give |1 − η a| ≥ 199 per step: the models grow by a
  // factor ≥ 199 per step and overflow to ±∞ (then NaN) within about 140 steps of 1000.
  const QuadraticProblem problem(quadratic_options(3));
  for (AlgorithmKind kind : {AlgorithmKind::kLocalSgd, AlgorithmKind::kApsgd}) {
    RunSetup setup = base_setup(problem, kind, 1000);
    setup.algorithm.step = StepSchedule{.kind = StepScheduleKind::kConstant, .initial = 1000.0};
    setup.run.probe.every_iterations = 10;
    const RunResult result = run_simulation(setup);
    EXPECT_EQ(result.status.code(), StatusCode::kDiverged) << to_string(kind);
    EXPECT_FALSE(result.status.message().empty()) << to_string(kind);
    EXPECT_LT(result.iterations, 1000) << to_string(kind);
    ASSERT_FALSE(result.trace.empty()) << to_string(kind);
    EXPECT_EQ(result.trace.front().iteration, 0) << to_string(kind);
    EXPECT_TRUE(std::isfinite(result.trace.front().loss)) << to_string(kind);
  }
}

TEST(SimStatus, NonFiniteLossWithFiniteModelsIsDivergence) {
  // sim_engine.hpp: "Divergence (a non-finite model or loss) ends the run with status
  // diverged". From x_0 = 10¹⁸⁰·1 with a small step the models stay finite (≈ 10¹⁸⁰) but
  // f(x̄) = Σ ½ a (x − b)² ≈ 10³⁶⁰ overflows to +∞ at the very first trace row.
  const QuadraticProblem problem(quadratic_options(3));
  for (AlgorithmKind kind : {AlgorithmKind::kLocalSgd, AlgorithmKind::kApsgd}) {
    RunSetup setup = base_setup(problem, kind, 5);
    setup.initial_point = Vector::Constant(problem.dim(), 1e180);
    const RunResult result = run_simulation(setup);
    ASSERT_FALSE(result.trace.empty());
    ASSERT_TRUE(result.final_models.allFinite()) << "the setup must keep the models finite";
    ASSERT_TRUE(std::isinf(result.trace.back().loss)) << "the setup must overflow the loss";
    EXPECT_EQ(result.status.code(), StatusCode::kDiverged)
        << to_string(kind) << ": status " << result.status.to_string()
        << " with f(x̄) = " << result.trace.back().loss;
  }
}

TEST(SimStatus, VirtualTimeLimitStopsTheRun) {
  // Compute 1 s per gradient, limit 5.5 s: the run stops after 5 or 6 rounds (depending on
  // whether the engine stops before or after the iteration that crosses the limit) with status
  // time_limit, far before the planned 100.
  const QuadraticProblem problem(quadratic_options(3));
  for (AlgorithmKind kind : {AlgorithmKind::kLocalSgd, AlgorithmKind::kAdpsgd}) {
    RunSetup setup = base_setup(problem, kind, 100);
    if (kind == AlgorithmKind::kAdpsgd) setup.graph = ring(3);
    setup.run.max_virtual_time_s = 5.5;
    const RunResult result = run_simulation(setup);
    EXPECT_EQ(result.status.code(), StatusCode::kTimeLimit) << to_string(kind);
    EXPECT_FALSE(result.status.message().empty()) << to_string(kind);
    EXPECT_LT(result.iterations, 100) << to_string(kind);
    EXPECT_LE(result.virtual_time_s, 6.0) << to_string(kind);
    ASSERT_FALSE(result.trace.empty());
    EXPECT_EQ(result.trace.back().iteration, result.iterations) << to_string(kind);
  }
}

}  // namespace
}  // namespace dsgdlab
