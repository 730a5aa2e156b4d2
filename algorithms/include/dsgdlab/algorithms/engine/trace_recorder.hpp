#pragma once

/// Probes shared by every engine: at x̄_k = (1/n) Σ_i x_i they measure f(x̄_k), ‖∇f(x̄_k)‖²,
/// the running average R(K) = (1/K) Σ_{k<K} ‖∇f(x̄_k)‖² (the quantity the theorems bound,
/// theory.md §1) and the consensus distance Ξ_k. Probe work is timed separately so engines can
/// exclude it from their wall time; it never costs virtual time.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

/// What the engine knows about the moment a row is recorded.
struct TraceMoment {
  std::int64_t iteration = 0;
  std::int64_t gradient_evaluations = 0;
  double virtual_time_s = 0.0;
  double wall_time_s = 0.0;  ///< engine wall time so far, probe time excluded
  double step_size = 0.0;
  /// Updates applied by each worker so far (for the checkpoint probe; may be all zeros).
  std::span<const std::int64_t> worker_updates = {};
};

class TraceRecorder {
 public:
  /// `checkpoint_probe` (may be null) is called at every recorded row.
  TraceRecorder(const Problem& problem, const ProbeOptions& options,
                CheckpointProbe* checkpoint_probe = nullptr);

  /// Call before iteration k runs, with the models of that moment (d × n; one column for a
  /// parameter server). Adds ‖∇f(x̄_k)‖² to the running sum when running_average_every
  /// divides k.
  void before_iteration(std::int64_t k, ConstMatrixRef models);

  /// Adds ‖∇f(x̄)‖² at `models` (the state after `iteration` iterations) to the running sum
  /// unconditionally: for engines that can only measure at probe snapshots.
  void add_running_sample(std::int64_t iteration, ConstMatrixRef models);

  /// True when a row is due after `iteration` iterations by the iteration rule.
  bool due_at_iteration(std::int64_t iteration) const {
    return options_.every_iterations > 0 && iteration % options_.every_iterations == 0;
  }
  /// The next virtual time at which a row is due by the time rule (+∞ when disabled).
  double next_time_due_s() const { return next_time_due_s_.load(std::memory_order_relaxed); }

  /// Appends a row for the state after moment.iteration iterations, with the checkpoint
  /// probe's values in TraceRow::extra. Advances the time rule past moment.virtual_time_s.
  void record(const TraceMoment& moment, ConstMatrixRef models);

  /// The last row's iteration, or −1 when none was recorded.
  std::int64_t last_recorded_iteration() const {
    return rows_.empty() ? -1 : rows_.back().iteration;
  }
  /// ‖∇f(x̄)‖² of the last measurement (NaN before any).
  double last_grad_norm_sq() const { return last_grad_norm_sq_; }
  /// True once any measured f(x̄) or ‖∇f(x̄)‖² was NaN or infinite: the run diverged even if
  /// the models are still finite (they can be finite while f overflows).
  bool saw_non_finite() const { return saw_non_finite_; }
  /// Wall time spent in probes so far, seconds.
  double probe_time_s() const { return probe_time_s_.load(std::memory_order_relaxed); }
  std::vector<TraceRow>& rows() { return rows_; }

 private:
  /// ‖∇f(x̄)‖² at the given models, cached per iteration count.
  double grad_norm_sq_at(std::int64_t iteration, ConstMatrixRef models);

  const Problem& problem_;
  ProbeOptions options_;
  CheckpointProbe* checkpoint_probe_;
  Vector mean_;
  Vector gradient_;
  Vector scratch_;
  double running_sum_ = 0.0;
  std::int64_t running_count_ = 0;
  std::int64_t cached_iteration_ = -1;
  double cached_grad_norm_sq_ = 0.0;
  double last_grad_norm_sq_ = std::numeric_limits<double>::quiet_NaN();
  // Atomic because the threads engine reads them (time rule, wall time) on worker threads
  // while one probing thread updates them; everything else is used by one thread at a time.
  std::atomic<double> next_time_due_s_{std::numeric_limits<double>::infinity()};
  std::atomic<double> probe_time_s_{0.0};
  bool saw_non_finite_ = false;
  std::vector<TraceRow> rows_;
};

}  // namespace dsgdlab
