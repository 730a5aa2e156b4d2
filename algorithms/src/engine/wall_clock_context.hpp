#pragma once

// Internal to the engines that run in real time (`threads`, `mpi`): the trace's virtual time
// is the wall time, and the heterogeneity of the cost model (theory.md §3) is injected as
// sleeps instead of being simulated.

#include "engine_context.hpp"

namespace dsgdlab {

class WallClockContext : public EngineContext {
 public:
  using EngineContext::EngineContext;

  /// Records a trace row; on these engines virtual time is the wall time.
  void record(std::int64_t iteration, std::int64_t gradient_evaluations, double step_size,
              ConstMatrixRef models) {
    const double now = wall_time_s();
    record_row(iteration, gradient_evaluations, now, now, step_size, models);
  }

  /// Heterogeneity: after a gradient that took `measured_s`, sleep (s_i·Z − 1)·measured_s, so
  /// the computation took s_i·Z times as long (Z drawn as in `sim`, compute_time_s the unit).
  void delay_compute(int worker, double measured_s);
  /// Sleeps for a message of a model's size on link (u, v): α_uv + b/β_uv.
  void delay_message(int u, int v) const;
  /// Sleeps for the slowest of worker `worker`'s messages from its neighbours under `mixing`.
  void delay_neighbor_messages(const SparseMatrix& mixing, int worker) const;
  static void sleep_for(double seconds);
};

/// Seconds since `start` on the steady clock.
double seconds_since(EngineContext::Clock::time_point start);

}  // namespace dsgdlab
