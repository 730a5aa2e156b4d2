#pragma once

// Internal to the engines: the state every engine's run shares (the problem, the cost model,
// the per-worker sampling streams, the trace recorder, the result being filled, the clock).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/cost_model.hpp"
#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/engine/trace_recorder.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/status.hpp"

namespace dsgdlab {

/// Status diverged, the same words on every engine: "a model became non-finite by iteration k"
/// when a model held NaN or ±∞, else "f(x̄) or ‖∇f(x̄)‖² became non-finite by iteration k" (a
/// probe measured it; the models can be finite while f overflows).
Status divergence_status(bool model_non_finite, std::int64_t iteration);

/// Status time_limit: "<clock> time exceeded run.max_virtual_time_s at iteration k" for rounds,
/// "... after k updates" for asynchronous runs; the clock is "virtual" on sim, "wall" on the
/// real-time engines.
Status time_limit_status(bool wall_clock, bool asynchronous, std::int64_t count);

class EngineContext {
 public:
  using Clock = std::chrono::steady_clock;

  EngineContext(const RunSetup& setup, const ProgressCallback& progress);

  const RunSetup& setup;
  const Problem& problem;
  const int num_workers;
  const Index dim;
  /// 8·d: a model or a gradient on the wire.
  const double model_bytes;
  /// next_compute_time(i) touches only worker i's state, so workers may call it concurrently.
  CostModel cost;
  TraceRecorder recorder;
  /// Worker i's minibatch stream: StreamKey{seed, run_index, i, kSampling}.
  std::vector<RandomStream> sampling;
  RunResult result;

  /// x_0 (the setup's, or the problem's initial point).
  Vector initial_point() const;
  /// Wall time since the run started, probe time excluded.
  double wall_time_s() const;
  /// Adds wall time spent taking probe snapshots (excluded from the run's wall time).
  void add_snapshot_time(double seconds) {
    snapshot_time_s_.fetch_add(seconds, std::memory_order_relaxed);
  }
  /// Wall time spent in probes: measurements and snapshots.
  double probe_time_s() const {
    return recorder.probe_time_s() + snapshot_time_s_.load(std::memory_order_relaxed);
  }

  /// Records a trace row for `models`, the state after `iteration` iterations.
  void record_row(std::int64_t iteration, std::int64_t gradient_evaluations, double virtual_time_s,
                  double wall_time_s, double step_size, ConstMatrixRef models);
  /// Reports progress about a hundred times per run (callers serialise).
  void report_progress(std::int64_t done);
  /// Moves the trace into the result, sets its probe and wall times, and returns it.
  RunResult finish();

 private:
  const ProgressCallback& progress_;
  std::int64_t progress_every_;
  Clock::time_point start_;
  std::atomic<double> snapshot_time_s_{0.0};  // read by workers, written by the prober
};

}  // namespace dsgdlab
