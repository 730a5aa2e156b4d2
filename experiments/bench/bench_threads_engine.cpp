// Scaling and overhead of the threads engine (issue targets: AD-PSGD updates/s with 2 threads
// ≥ 1.7 × with 1 thread on a 2-core machine; the 1-thread engine ≥ 0.85 × a bare
// single-threaded loop doing the same per-update work). Problem: logistic_nonconvex with
// d = 10⁴ features, minibatch M = 32, 40 samples per worker (IID), as in bench_sim_engine.cpp.
// Real time, not CPU time: run_threads spends its time in threads it spawns.
// scripts/bench prints the ratios from the medians of 3 repetitions of this program.

#include <benchmark/benchmark.h>

#include <array>
#include <memory>

#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "dsgdlab/problems/gaussian_mixture.hpp"
#include "dsgdlab/problems/logistic_nonconvex.hpp"
#include "dsgdlab/problems/partition.hpp"

namespace dsgdlab {
namespace {

constexpr int kMaxWorkers = 2;
constexpr Index kFeatures = 10000;
constexpr Index kSamplesPerWorker = 40;
constexpr int kBatch = 32;
/// Applied updates per worker per run: ~0.3 s of gradients, so that starting and joining the
/// threads (tens of µs) and the two probes the engine always takes (row 0 and the last row,
/// each one full gradient over 40·n samples) stay well under 1% of a run.
constexpr std::int64_t kUpdatesPerWorker = 2000;
constexpr double kStep = 0.01;

/// logistic_nonconvex on n workers (n = 1 or 2), built once per n.
const LogisticNonconvexProblem& problem(int workers) {
  static std::array<std::unique_ptr<LogisticNonconvexProblem>, kMaxWorkers> instances;
  auto& instance = instances.at(static_cast<std::size_t>(workers - 1));
  if (!instance) {
    RandomStream data_rng(StreamKey{.seed = 1, .purpose = StreamPurpose::kDataGeneration});
    auto data = std::make_shared<Dataset>(generate_gaussian_mixture(
        {.num_samples = workers * kSamplesPerWorker, .num_features = kFeatures, .num_classes = 2},
        data_rng));
    RandomStream partition_rng(StreamKey{.seed = 1, .purpose = StreamPurpose::kPartition});
    Partition partition = partition_dataset(
        *data, {.scheme = PartitionScheme::kIid, .num_workers = workers}, partition_rng);
    instance = std::make_unique<LogisticNonconvexProblem>(data, std::move(partition));
  }
  return *instance;
}

void set_rate(benchmark::State& state, std::int64_t updates_per_iteration) {
  state.counters["updates_per_s"] = benchmark::Counter(
      static_cast<double>(updates_per_iteration * state.iterations()), benchmark::Counter::kIsRate);
}

/// run_threads with adpsgd on ring(n): n = 1 is one worker with no neighbour (snapshot,
/// gradient, step), n = 2 is a single edge (both workers initiate and average with each other).
void BM_ThreadsAdpsgd(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  RunSetup setup;
  setup.problem = &problem(workers);
  setup.algorithm.kind = AlgorithmKind::kAdpsgd;
  setup.algorithm.step.initial = kStep;
  setup.algorithm.batch_size = kBatch;
  setup.graph = ring(workers);
  setup.run.iterations = kUpdatesPerWorker * workers;
  setup.run.probe = {
      .every_iterations = 0, .every_virtual_time_s = 0.0, .running_average_every = 0};
  for (auto _ : state) benchmark::DoNotOptimize(run_threads(setup).iterations);
  set_rate(state, setup.run.iterations);
}

/// One AD-PSGD worker's update without the engine, on the calling thread: copy the model to a
/// snapshot, stochastic gradient at the snapshot, (n = 2) average with the other model, step.
/// For n = 2 the loop alternates between the two workers, so it reads both workers' data as
/// the engine's two threads do.
void BM_BareSgdLoop(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  const Problem& p = problem(workers);
  const std::int64_t updates = kUpdatesPerWorker * workers;
  for (auto _ : state) {
    Matrix models = p.initial_point().replicate(1, workers);
    Vector snapshot(p.dim());
    Vector gradient(p.dim());
    std::vector<RandomStream> sampling;
    for (int i = 0; i < workers; ++i) {
      sampling.emplace_back(StreamKey{
          .seed = 0, .worker = static_cast<std::uint64_t>(i), .purpose = StreamPurpose::kSampling});
    }
    for (std::int64_t k = 0; k < updates; ++k) {
      const int i = static_cast<int>(k % workers);
      snapshot = models.col(i);
      p.stochastic_gradient(i, snapshot, kBatch, sampling[static_cast<std::size_t>(i)], gradient);
      if (workers == 2) average_pair(models.col(i), models.col(1 - i));
      sgd_step(models.col(i), gradient, kStep);
    }
    benchmark::DoNotOptimize(models.data());
  }
  set_rate(state, updates);
}

// Each engine figure is registered next to its bare loop; scripts/bench also interleaves the
// repetitions at random so that machine noise hits both sides of each ratio alike.
BENCHMARK(BM_BareSgdLoop)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_ThreadsAdpsgd)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_BareSgdLoop)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);
BENCHMARK(BM_ThreadsAdpsgd)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

}  // namespace
}  // namespace dsgdlab

BENCHMARK_MAIN();
