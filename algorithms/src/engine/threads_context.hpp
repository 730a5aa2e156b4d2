#pragma once

// Internal to the threads engine: what every algorithm's threaded run shares.

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "dsgdlab/algorithms/engine/cost_model.hpp"
#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "dsgdlab/algorithms/engine/trace_recorder.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab::threads {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

class ThreadsContext {
 public:
  ThreadsContext(const RunSetup& setup, const ProgressCallback& progress);

  const RunSetup& setup;
  const Problem& problem;
  const int num_workers;
  const Index dim;
  const double model_bytes;
  /// next_compute_time(i) touches only worker i's state, so workers may call it concurrently.
  CostModel cost;
  TraceRecorder recorder;
  std::vector<RandomStream> sampling;
  RunResult result;

  Vector initial_point() const;
  /// Wall time since the start, probe time excluded.
  double wall_time_s() const;
  /// Adds wall time spent taking probe snapshots (excluded from the run's wall time).
  void add_snapshot_time(double seconds) { snapshot_time_s_ += seconds; }
  double probe_time_s() const { return recorder.probe_time_s() + snapshot_time_s_; }

  /// Records a trace row for `models`, the state after `iteration` iterations.
  void record(std::int64_t iteration, std::int64_t gradient_evaluations, double step_size,
              ConstMatrixRef models);
  /// Progress about a hundred times per run (callers serialise).
  void report_progress(std::int64_t done);

  /// Heterogeneity: after a gradient that took `measured_s`, sleep (s_i·Z − 1)·measured_s.
  void delay_compute(int worker, double measured_s);
  /// Sleeps for a message of b bytes on link (u, v): α_uv + b/β_uv.
  void delay_message(int u, int v) const;
  static void sleep_for(double seconds);

 private:
  const ProgressCallback& progress_;
  std::int64_t progress_every_;
  Clock::time_point start_;
  double snapshot_time_s_ = 0.0;
};

/// Runs body(i) on threads 0..n−1 and joins them. A thread whose body throws calls on_error
/// (so the others can leave their loops: it runs once per failing thread, on that thread),
/// and the first exception is rethrown here after every thread has joined.
void run_on_threads(int n, const std::function<void(int)>& body,
                    const std::function<void()>& on_error);

/// Synchronous algorithms (rounds with a barrier).
void run_rounds(ThreadsContext& context);
/// AD-PSGD with per-worker locks.
void run_adpsgd(ThreadsContext& context);
/// A-PSGD with a locked server.
void run_apsgd(ThreadsContext& context);

}  // namespace dsgdlab::threads
