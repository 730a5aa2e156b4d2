// Overhead of the sim engine (issue: engine overhead ≤ 10%): updates per second of `sim`
// running adpsgd and dpsgd on logistic_nonconvex (d = 10⁴, M = 32, n = 16) against a bare loop
// doing the same gradient and averaging work in the same process. scripts/bench prints the
// ratios sim/bare from one run of this program.

#include <benchmark/benchmark.h>

#include <memory>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "dsgdlab/problems/gaussian_mixture.hpp"
#include "dsgdlab/problems/logistic_nonconvex.hpp"
#include "dsgdlab/problems/partition.hpp"

namespace dsgdlab {
namespace {

constexpr int kWorkers = 16;
constexpr Index kFeatures = 10000;
constexpr Index kSamplesPerWorker = 40;
constexpr int kBatch = 32;
constexpr std::int64_t kUpdates = 4000;  // adpsgd: applied updates per run
constexpr std::int64_t kRounds = 250;    // dpsgd: rounds per run (16 gradients each)
constexpr double kStep = 0.01;

const LogisticNonconvexProblem& problem() {
  static const auto instance = [] {
    RandomStream data_rng(StreamKey{.seed = 1, .purpose = StreamPurpose::kDataGeneration});
    auto data = std::make_shared<Dataset>(generate_gaussian_mixture(
        {.num_samples = kWorkers * kSamplesPerWorker, .num_features = kFeatures, .num_classes = 2},
        data_rng));
    RandomStream partition_rng(StreamKey{.seed = 1, .purpose = StreamPurpose::kPartition});
    Partition partition = partition_dataset(
        *data, {.scheme = PartitionScheme::kIid, .num_workers = kWorkers}, partition_rng);
    return std::make_unique<LogisticNonconvexProblem>(data, std::move(partition));
  }();
  return *instance;
}

RunSetup setup_for(AlgorithmKind kind, std::int64_t iterations) {
  RunSetup setup;
  setup.problem = &problem();
  setup.algorithm.kind = kind;
  setup.algorithm.step.initial = kStep;
  setup.algorithm.batch_size = kBatch;
  setup.graph = ring(kWorkers);
  setup.mixing = mixing_matrix(*setup.graph, MixingRule::kUniform);
  setup.run.iterations = iterations;
  setup.run.probe = {
      .every_iterations = 0, .every_virtual_time_s = 0.0, .running_average_every = 0};
  return setup;
}

std::vector<RandomStream> worker_streams(StreamPurpose purpose) {
  std::vector<RandomStream> streams;
  for (int i = 0; i < kWorkers; ++i) {
    streams.emplace_back(
        StreamKey{.seed = 0, .worker = static_cast<std::uint64_t>(i), .purpose = purpose});
  }
  return streams;
}

void BM_SimAdpsgd(benchmark::State& state) {
  const RunSetup setup = setup_for(AlgorithmKind::kAdpsgd, kUpdates);
  for (auto _ : state) benchmark::DoNotOptimize(run_simulation(setup).iterations);
  state.counters["updates_per_s"] = benchmark::Counter(
      static_cast<double>(kUpdates * state.iterations()), benchmark::Counter::kIsRate);
}

// The same work without the engine: workers take turns, each computing a stochastic gradient
// at its model, averaging with a random ring neighbour and applying the step.
void BM_BareAdpsgd(benchmark::State& state) {
  const Problem& p = problem();
  const Graph graph = ring(kWorkers);
  for (auto _ : state) {
    Matrix models = p.initial_point().replicate(1, kWorkers);
    Matrix gradients(p.dim(), kWorkers);
    auto sampling = worker_streams(StreamPurpose::kSampling);
    auto pairing = worker_streams(StreamPurpose::kPairing);
    for (int i = 0; i < kWorkers; ++i) {
      p.stochastic_gradient(i, models.col(i), kBatch, sampling[static_cast<std::size_t>(i)],
                            gradients.col(i));
    }
    for (std::int64_t k = 0; k < kUpdates; ++k) {
      const int i = static_cast<int>(k % kWorkers);
      const auto neighbors = graph.neighbors(i);
      const int j = neighbors[pairing[static_cast<std::size_t>(i)].uniform_index(neighbors.size())];
      average_pair(models.col(i), models.col(j));
      sgd_step(models.col(i), gradients.col(i), kStep);
      p.stochastic_gradient(i, models.col(i), kBatch, sampling[static_cast<std::size_t>(i)],
                            gradients.col(i));
    }
    benchmark::DoNotOptimize(models.data());
  }
  state.counters["updates_per_s"] = benchmark::Counter(
      static_cast<double>(kUpdates * state.iterations()), benchmark::Counter::kIsRate);
}

void BM_SimDpsgd(benchmark::State& state) {
  const RunSetup setup = setup_for(AlgorithmKind::kDpsgd, kRounds);
  for (auto _ : state) benchmark::DoNotOptimize(run_simulation(setup).iterations);
  state.counters["updates_per_s"] = benchmark::Counter(
      static_cast<double>(kRounds * kWorkers * state.iterations()), benchmark::Counter::kIsRate);
}

// D-PSGD rounds without the engine: every worker's gradient, then X ← XW − ηG.
void BM_BareDpsgd(benchmark::State& state) {
  const Problem& p = problem();
  const SparseMatrix mixing = mixing_matrix(ring(kWorkers), MixingRule::kUniform);
  for (auto _ : state) {
    Matrix models = p.initial_point().replicate(1, kWorkers);
    Matrix mixed(p.dim(), kWorkers);
    Matrix gradients(p.dim(), kWorkers);
    auto sampling = worker_streams(StreamPurpose::kSampling);
    for (std::int64_t k = 0; k < kRounds; ++k) {
      for (int i = 0; i < kWorkers; ++i) {
        p.stochastic_gradient(i, models.col(i), kBatch, sampling[static_cast<std::size_t>(i)],
                              gradients.col(i));
      }
      for (int i = 0; i < kWorkers; ++i) {
        mix_worker(mixing, i, models, mixed.col(i));
        sgd_step(mixed.col(i), gradients.col(i), kStep);
      }
      models.swap(mixed);
    }
    benchmark::DoNotOptimize(models.data());
  }
  state.counters["updates_per_s"] = benchmark::Counter(
      static_cast<double>(kRounds * kWorkers * state.iterations()), benchmark::Counter::kIsRate);
}

// Interleaved so that machine noise hits both sides of each ratio alike.
BENCHMARK(BM_BareAdpsgd)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_SimAdpsgd)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_BareDpsgd)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_SimDpsgd)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

}  // namespace
}  // namespace dsgdlab

BENCHMARK_MAIN();
