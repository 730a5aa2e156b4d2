#include "dsgdlab/algorithms/engine/trace_recorder.hpp"

#include <cmath>

#include "dsgdlab/algorithms/update_rules.hpp"

namespace dsgdlab {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TraceRecorder::TraceRecorder(const Problem& problem, const ProbeOptions& options,
                             CheckpointProbe* checkpoint_probe)
    : problem_(problem),
      options_(options),
      checkpoint_probe_(checkpoint_probe),
      mean_(problem.dim()),
      gradient_(problem.dim()),
      scratch_(problem.dim()) {
  if (options_.every_virtual_time_s > 0.0) next_time_due_s_.store(options_.every_virtual_time_s);
}

double TraceRecorder::grad_norm_sq_at(std::int64_t iteration, ConstMatrixRef models) {
  if (cached_iteration_ != iteration) {
    average_columns(models, mean_);
    problem_.full_gradient(mean_, gradient_, scratch_);
    cached_grad_norm_sq_ = gradient_.squaredNorm();
    cached_iteration_ = iteration;
    if (!std::isfinite(cached_grad_norm_sq_)) saw_non_finite_ = true;
  }
  return cached_grad_norm_sq_;
}

void TraceRecorder::before_iteration(std::int64_t k, ConstMatrixRef models) {
  if (options_.running_average_every == 0 || k % options_.running_average_every != 0) return;
  const auto start = Clock::now();
  running_sum_ += grad_norm_sq_at(k, models);
  ++running_count_;
  probe_time_s_.fetch_add(seconds_since(start), std::memory_order_relaxed);
}

void TraceRecorder::add_running_sample(std::int64_t iteration, ConstMatrixRef models) {
  const auto start = Clock::now();
  running_sum_ += grad_norm_sq_at(iteration, models);
  ++running_count_;
  probe_time_s_.fetch_add(seconds_since(start), std::memory_order_relaxed);
}

void TraceRecorder::record(const TraceMoment& moment, ConstMatrixRef models) {
  const auto start = Clock::now();
  TraceRow row;
  row.iteration = moment.iteration;
  row.gradient_evaluations = moment.gradient_evaluations;
  row.virtual_time_s = moment.virtual_time_s;
  row.wall_time_s = moment.wall_time_s;
  row.step_size = moment.step_size;
  row.grad_norm_sq = grad_norm_sq_at(moment.iteration, models);  // also leaves x̄ in mean_
  average_columns(models, mean_);
  row.loss = problem_.loss(mean_);
  if (!std::isfinite(row.loss)) saw_non_finite_ = true;
  row.running_avg_grad_norm_sq = running_count_ > 0
                                     ? running_sum_ / static_cast<double>(running_count_)
                                     : std::numeric_limits<double>::quiet_NaN();
  row.consensus = consensus_distance(models, mean_);
  if (checkpoint_probe_ != nullptr) {
    row.extra.resize(checkpoint_probe_->columns().size());
    checkpoint_probe_->measure({.iteration = moment.iteration,
                                .models = models,
                                .mean = mean_,
                                .worker_updates = moment.worker_updates},
                               row.extra);
  }
  last_grad_norm_sq_ = row.grad_norm_sq;
  rows_.push_back(row);
  if (options_.every_virtual_time_s > 0.0) {
    double next = next_time_due_s_.load(std::memory_order_relaxed);
    while (next <= moment.virtual_time_s) next += options_.every_virtual_time_s;
    next_time_due_s_.store(next, std::memory_order_relaxed);
  }
  probe_time_s_.fetch_add(seconds_since(start), std::memory_order_relaxed);
}

}  // namespace dsgdlab
