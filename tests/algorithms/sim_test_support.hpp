#pragma once

/// Shared helpers of the `sim` engine tests (test_sim_engine.cpp, test_sim_equivalences.cpp,
/// test_sim_staleness.cpp): problem and setup builders, and independent reference
/// implementations of the update rules of theory.md §2 written from the specification (not
/// from the engine's sources). The references do their arithmetic with explicit scalar loops in
/// the order the specification fixes (sums in ascending worker id, x ← x − η·g, averages
/// (Σ x_i)/m), so where the engine follows the same order the results agree bit for bit.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/nonconvex_separable.hpp"
#include "dsgdlab/problems/quadratic.hpp"

namespace dsgdlab::sim_test {

inline constexpr std::uint64_t kSeed = 20240611;
inline constexpr std::uint64_t kRunIndex = 3;

/// Heterogeneous noisy quadratic: per-worker curvatures (so x̄ depends on the aggregation
/// schedule, theory.md §6 pitfall) and σ² = 1 (so the sampling streams matter).
inline QuadraticOptions quadratic_options(int num_workers, Index dim = 4) {
  return QuadraticOptions{.dim = dim,
                          .num_workers = num_workers,
                          .curvature_min = 0.2,
                          .curvature_max = 2.0,
                          .curvature_sharing = CurvatureSharing::kPerWorker,
                          .num_groups = 1,
                          .group_center_spread = 1.0,
                          .worker_center_spread = 1.5,
                          .noise_variance = 1.0,
                          .seed = 17};
}

inline NonconvexSeparableOptions nonconvex_options(int num_workers, Index dim = 4) {
  return NonconvexSeparableOptions{.instance = quadratic_options(num_workers, dim),
                                   .cosine_weight = 1.5};
}

/// A step-decay schedule η_k = 0.1·0.5^⌊k/3⌋, so that using a wrong iteration index k shows.
inline StepSchedule decaying_step() {
  return StepSchedule{
      .kind = StepScheduleKind::kStepDecay, .initial = 0.1, .decay_factor = 0.5, .decay_every = 3};
}

/// A setup with the defaults of the tests: a trace row every iteration, fixed seed and run
/// index, default cost model (compute 1 s, constant, free communication).
inline RunSetup base_setup(const Problem& problem, AlgorithmKind kind, std::int64_t iterations) {
  RunSetup setup;
  setup.problem = &problem;
  setup.algorithm.kind = kind;
  setup.algorithm.step = decaying_step();
  setup.algorithm.batch_size = 2;
  setup.run.iterations = iterations;
  setup.run.seed = kSeed;
  setup.run.run_index = kRunIndex;
  setup.run.probe.every_iterations = 1;
  return setup;
}

inline RandomStream sampling_stream(const RunSetup& setup, int worker) {
  return RandomStream(StreamKey{.seed = setup.run.seed,
                                .run = setup.run.run_index,
                                .worker = static_cast<std::uint64_t>(worker),
                                .purpose = StreamPurpose::kSampling});
}

inline RandomStream pairing_stream(const RunSetup& setup, int worker) {
  return RandomStream(StreamKey{.seed = setup.run.seed,
                                .run = setup.run.run_index,
                                .worker = static_cast<std::uint64_t>(worker),
                                .purpose = StreamPurpose::kPairing});
}

inline std::vector<RandomStream> sampling_streams(const RunSetup& setup) {
  std::vector<RandomStream> streams;
  for (int i = 0; i < setup.problem->num_workers(); ++i) {
    streams.push_back(sampling_stream(setup, i));
  }
  return streams;
}

/// x_0 for every worker: d × n, each column setup.initial_point (or problem->initial_point()).
inline Matrix initial_models(const RunSetup& setup) {
  const Vector x0 =
      setup.initial_point.size() > 0 ? setup.initial_point : setup.problem->initial_point();
  Matrix models(setup.problem->dim(), setup.problem->num_workers());
  for (Index i = 0; i < models.cols(); ++i) models.col(i) = x0;
  return models;
}

/// x ← x − η·g, coordinate by coordinate.
inline void reference_sgd_step(Eigen::Ref<Vector> x, const Vector& gradient, double step) {
  for (Index r = 0; r < x.size(); ++r) x(r) = x(r) - step * gradient(r);
}

/// Every member ← (Σ_{i ∈ members} x_i)/|members|, summed in the order given.
inline void reference_average(Matrix& models, const std::vector<int>& members) {
  for (Index r = 0; r < models.rows(); ++r) {
    double sum = models(r, members.front());
    for (std::size_t m = 1; m < members.size(); ++m) sum += models(r, members[m]);
    const double mean = sum / static_cast<double>(members.size());
    for (int member : members) models(r, member) = mean;
  }
}

inline std::vector<int> all_workers(int n) {
  std::vector<int> members(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) members[static_cast<std::size_t>(i)] = i;
  return members;
}

/// The periodic-averaging family (SGD, AllReduce-SGD, local SGD, H-SGD), theory.md §2: in round
/// k every worker takes x_i ← x_i − η_k g_i(x_i) with its own sampling stream, then
/// `aggregate(t, models)` runs with t = k + 1 (the test writes the rule of its algorithm).
template <typename Aggregate>
Matrix reference_periodic(const RunSetup& setup, Aggregate aggregate) {
  const Problem& problem = *setup.problem;
  Matrix models = initial_models(setup);
  auto streams = sampling_streams(setup);
  Vector gradient(problem.dim());
  for (std::int64_t k = 0; k < setup.run.iterations; ++k) {
    const double step = setup.algorithm.step.at(k);
    for (int i = 0; i < problem.num_workers(); ++i) {
      problem.stochastic_gradient(i, models.col(i), setup.algorithm.batch_size,
                                  streams[static_cast<std::size_t>(i)], gradient);
      reference_sgd_step(models.col(i), gradient, step);
    }
    aggregate(k + 1, models);
  }
  return models;
}

/// What an asynchronous reference run produces.
struct AsyncReference {
  Matrix models;  ///< d × n (A-PSGD: every column the server model)
  std::vector<UpdateRecord> updates;
  std::vector<std::int64_t> pair_counts;  ///< per Graph::edges() entry (AD-PSGD)
  double virtual_time_s = 0.0;            ///< time of the last applied update
};

/// Index of edge {u, v} in graph.edges().
inline std::size_t edge_index(const Graph& graph, int u, int v) {
  const auto edges = graph.edges();
  const std::pair<int, int> key{std::min(u, v), std::max(u, v)};
  return static_cast<std::size_t>(std::find(edges.begin(), edges.end(), key) - edges.begin());
}

/// AD-PSGD (adpsgd == true) or A-PSGD as a discrete-event simulation with free communication,
/// worker i's successive gradients taking duration(i), duration(i), … seconds (one call per
/// gradient, in the order of that worker's gradients) (theory.md §2, §3): the next event is the
/// smallest (finish time, worker id); at worker i's event the gradient of its snapshot is
/// applied as global iteration k with step η_k:
/// - AD-PSGD: if i initiates (every worker with random pairing, side 0 of the bipartition
///   with bipartite pairing) and has a neighbour, j = neighbours(i)[pairing_i.uniform_index(deg)]
///   and x_i, x_j ← (x_i + x_j)/2; then x_i ← x_i − η_k g; the next snapshot is x_i right after;
/// - A-PSGD: x_s ← x_s − η_k g; the next snapshot (pull) is x_s right after.
/// τ = k − (updates applied when the snapshot was read). Gradients are drawn lazily at apply
/// time from the snapshot: a worker's sampling stream is used in the order of its own
/// gradients either way.
template <typename Duration>
AsyncReference reference_async_with(const RunSetup& setup, Duration duration, bool adpsgd) {
  const Problem& problem = *setup.problem;
  const int n = problem.num_workers();
  const auto un = static_cast<std::size_t>(n);
  AsyncReference out;
  out.models = initial_models(setup);
  Vector server = out.models.col(0);
  Matrix snapshots = out.models;
  std::vector<std::int64_t> snapshot_count(un, 0);
  std::vector<double> finish(un);
  for (int i = 0; i < n; ++i) finish[static_cast<std::size_t>(i)] = duration(i);
  auto streams = sampling_streams(setup);
  std::vector<RandomStream> pairing;
  for (int i = 0; i < n; ++i) pairing.push_back(pairing_stream(setup, i));
  std::vector<int> side(un, 0);
  if (adpsgd) {
    out.pair_counts.assign(setup.graph->num_edges(), 0);
    if (setup.algorithm.pairing == PairingMode::kBipartite) side = *bipartition(*setup.graph);
  }
  Vector gradient(problem.dim());
  for (std::int64_t k = 0; k < setup.run.iterations; ++k) {
    std::size_t next = 0;
    for (std::size_t i = 1; i < un; ++i) {
      if (finish[i] < finish[next]) next = i;  // ties keep the smaller id
    }
    const int i = static_cast<int>(next);
    out.virtual_time_s = finish[next];
    problem.stochastic_gradient(i, snapshots.col(i), setup.algorithm.batch_size, streams[next],
                                gradient);
    const double step = setup.algorithm.step.at(k);
    if (adpsgd) {
      const auto neighbors = setup.graph->neighbors(i);
      if (side[next] == 0 && !neighbors.empty()) {
        const int j = neighbors[static_cast<std::size_t>(
            pairing[next].uniform_index(static_cast<std::uint64_t>(neighbors.size())))];
        reference_average(out.models, {std::min(i, j), std::max(i, j)});
        ++out.pair_counts[edge_index(*setup.graph, i, j)];
      }
      reference_sgd_step(out.models.col(i), gradient, step);
      snapshots.col(i) = out.models.col(i);
    } else {
      reference_sgd_step(server, gradient, step);
      snapshots.col(i) = server;
    }
    out.updates.push_back(
        UpdateRecord{.worker = static_cast<std::int32_t>(i),
                     .staleness = static_cast<std::int32_t>(k - snapshot_count[next])});
    snapshot_count[next] = k + 1;
    finish[next] += duration(i);
  }
  if (!adpsgd) {
    for (Index c = 0; c < out.models.cols(); ++c) out.models.col(c) = server;
  }
  return out;
}

/// reference_async_with for constant compute times: worker i's gradients take compute_s[i].
inline AsyncReference reference_async(const RunSetup& setup, const std::vector<double>& compute_s,
                                      bool adpsgd) {
  return reference_async_with(
      setup, [&](int i) { return compute_s[static_cast<std::size_t>(i)]; }, adpsgd);
}

/// EXPECT_EQ on every entry (bitwise for doubles other than NaN), naming the first mismatch.
inline void expect_bitwise_equal(const Matrix& actual, const Matrix& expected,
                                 const std::string& what) {
  ASSERT_EQ(actual.rows(), expected.rows()) << what;
  ASSERT_EQ(actual.cols(), expected.cols()) << what;
  for (Index c = 0; c < actual.cols(); ++c) {
    for (Index r = 0; r < actual.rows(); ++r) {
      if (actual(r, c) != expected(r, c)) {
        ADD_FAILURE() << what << ": entry (" << r << ", " << c << ") is " << actual(r, c)
                      << " but the reference gives " << expected(r, c) << " (difference "
                      << actual(r, c) - expected(r, c) << ")";
        return;
      }
    }
  }
}

/// Whether two columns hold identical bits.
inline bool columns_identical(const Matrix& models, Index a, Index b) {
  return (models.col(a).array() == models.col(b).array()).all();
}

/// The trace columns the equivalence tests compare exactly: iteration, f(x̄), ‖∇f(x̄)‖², R, Ξ.
inline void expect_same_trace(const std::vector<TraceRow>& actual,
                              const std::vector<TraceRow>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t r = 0; r < actual.size(); ++r) {
    const TraceRow& a = actual[r];
    const TraceRow& e = expected[r];
    EXPECT_EQ(a.iteration, e.iteration) << what << ", row " << r;
    EXPECT_EQ(a.loss, e.loss) << what << ", row " << r;
    EXPECT_EQ(a.grad_norm_sq, e.grad_norm_sq) << what << ", row " << r;
    EXPECT_EQ(a.consensus, e.consensus) << what << ", row " << r;
    if (!(std::isnan(a.running_avg_grad_norm_sq) && std::isnan(e.running_avg_grad_norm_sq))) {
      EXPECT_EQ(a.running_avg_grad_norm_sq, e.running_avg_grad_norm_sq) << what << ", row " << r;
    }
  }
}

/// Seed printed with every failure of a test that runs the engine.
inline std::string seed_note(const RunSetup& setup) {
  std::ostringstream out;
  out << "seed " << setup.run.seed << ", run " << setup.run.run_index;
  return out.str();
}

}  // namespace dsgdlab::sim_test
