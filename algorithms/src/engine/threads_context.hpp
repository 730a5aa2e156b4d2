#pragma once

// Internal to the threads engine: what every algorithm's threaded run shares.

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "engine_context.hpp"

namespace dsgdlab::threads {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start);

class ThreadsContext : public EngineContext {
 public:
  using EngineContext::EngineContext;

  /// Records a trace row; on this engine virtual time is the wall time.
  void record(std::int64_t iteration, std::int64_t gradient_evaluations, double step_size,
              ConstMatrixRef models) {
    const double now = wall_time_s();
    record_row(iteration, gradient_evaluations, now, now, step_size, models);
  }

  /// Heterogeneity: after a gradient that took `measured_s`, sleep (s_i·Z − 1)·measured_s.
  void delay_compute(int worker, double measured_s);
  /// Sleeps for a message of a model's size on link (u, v): α_uv + b/β_uv.
  void delay_message(int u, int v) const;
  static void sleep_for(double seconds);
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
