#pragma once

// Internal to the sim engine: state every algorithm's simulation shares.

#include <chrono>
#include <cstdint>
#include <vector>

#include "dsgdlab/algorithms/engine/cost_model.hpp"
#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/engine/trace_recorder.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab::sim {

class SimContext {
 public:
  SimContext(const RunSetup& setup, const ProgressCallback& progress);

  const RunSetup& setup;
  const Problem& problem;
  const int num_workers;
  const Index dim;
  /// 8·d: a model or a gradient on the wire.
  const double model_bytes;
  CostModel cost;
  TraceRecorder recorder;
  /// Worker i's minibatch stream: StreamKey{seed, run_index, i, kSampling}.
  std::vector<RandomStream> sampling;
  RunResult result;

  /// x_0 (the setup's, or the problem's initial point).
  Vector initial_point() const;
  /// Wall time since the run started, probe time excluded.
  double wall_time_s() const;
  /// Records a trace row for the current state.
  void record(std::int64_t iteration, double virtual_time_s, double step_size,
              ConstMatrixRef models);
  /// Reports progress about a hundred times per run.
  void report_progress(std::int64_t done);

 private:
  const ProgressCallback& progress_;
  std::int64_t progress_every_;
  std::chrono::steady_clock::time_point start_;
};

/// AllReduce-SGD, local SGD, H-SGD (two- and multi-level), SGD and D-PSGD: synchronous rounds.
void simulate_rounds(SimContext& context);
/// AD-PSGD (random or bipartite pairing): discrete events.
void simulate_adpsgd(SimContext& context);
/// A-PSGD: discrete events around one parameter server.
void simulate_apsgd(SimContext& context);

}  // namespace dsgdlab::sim
