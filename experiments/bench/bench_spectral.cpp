// Cost of the spectral estimators (mixing_spectrum, spectral.hpp): the sparse solver on rings
// of 10³, 10⁴ and 10⁵ workers (target: 10⁵ in under 2 s) and a 316 × 316 torus, and the dense
// against the sparse solver at n = 500. The matrix is built once, outside the timed loop.
// scripts/bench prints the medians and the dense/sparse ratios; docs/benchmarks.md records them.

#include <benchmark/benchmark.h>

#include <stdexcept>

#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

void run(benchmark::State& state, const SparseMatrix& mixing, EigenMethod method) {
  const SpectralOptions options{.method = method};
  MixingSpectrum spectrum;
  for (auto _ : state) {
    spectrum = mixing_spectrum(mixing, options);
    benchmark::DoNotOptimize(spectrum.spectral_gap);
  }
  if (!spectrum.status.is_ok()) throw std::runtime_error(spectrum.status.to_string());
  state.counters["n"] = static_cast<double>(mixing.rows());
  state.counters["restarts"] = spectrum.iterations;
}

SparseMatrix ring_matrix(int n) { return mixing_matrix(ring(n), MixingRule::kMetropolisHastings); }

SparseMatrix random_matrix(int n) {
  RandomStream rng(StreamKey{.seed = 1, .purpose = StreamPurpose::kTopology});
  return mixing_matrix(erdos_renyi(n, 10.0 / n, rng, 1000), MixingRule::kMetropolisHastings);
}

void BM_SparseRing(benchmark::State& state) {
  run(state, ring_matrix(static_cast<int>(state.range(0))), EigenMethod::kSparse);
}
BENCHMARK(BM_SparseRing)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_SparseTorus(benchmark::State& state) {
  const int side = static_cast<int>(state.range(0));
  run(state, mixing_matrix(torus(side, side), MixingRule::kUniform), EigenMethod::kSparse);
}
BENCHMARK(BM_SparseTorus)->Arg(316)->Unit(benchmark::kMillisecond)->Iterations(1);

// n = 500: the dense solver (O(n³)) against the sparse one, on a ring and on an Erdős–Rényi
// graph with mean degree 10 (Metropolis–Hastings weights).
void BM_DenseRing(benchmark::State& state) {
  run(state, ring_matrix(static_cast<int>(state.range(0))), EigenMethod::kDense);
}
BENCHMARK(BM_DenseRing)->Arg(500)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SparseRing)->Arg(500)->Unit(benchmark::kMillisecond);

void BM_DenseErdosRenyi(benchmark::State& state) {
  run(state, random_matrix(static_cast<int>(state.range(0))), EigenMethod::kDense);
}
void BM_SparseErdosRenyi(benchmark::State& state) {
  run(state, random_matrix(static_cast<int>(state.range(0))), EigenMethod::kSparse);
}
BENCHMARK(BM_DenseErdosRenyi)->Arg(500)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SparseErdosRenyi)->Arg(500)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dsgdlab

BENCHMARK_MAIN();
