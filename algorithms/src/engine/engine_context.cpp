#include "engine_context.hpp"

#include <algorithm>

namespace dsgdlab {

Status divergence_status(bool model_non_finite, std::int64_t iteration) {
  return Status::diverged(std::string(model_non_finite ? "a model" : "f(x̄) or ‖∇f(x̄)‖²") +
                          " became non-finite by iteration " + std::to_string(iteration));
}

Status time_limit_status(bool wall_clock, bool asynchronous, std::int64_t count) {
  std::string message(wall_clock ? "wall" : "virtual");
  message += " time exceeded run.max_virtual_time_s ";
  message += asynchronous ? "after " + std::to_string(count) + " updates"
                          : "at iteration " + std::to_string(count);
  return Status::time_limit(message);
}

EngineContext::EngineContext(const RunSetup& run_setup, const ProgressCallback& progress)
    : setup(run_setup),
      problem(*run_setup.problem),
      num_workers(run_setup.problem->num_workers()),
      dim(run_setup.problem->dim()),
      model_bytes(8.0 * static_cast<double>(run_setup.problem->dim())),
      cost(run_setup.cost, num_workers, run_setup.run.seed, run_setup.run.run_index),
      recorder(*run_setup.problem, run_setup.run.probe, run_setup.checkpoint_probe.get()),
      progress_(progress),
      progress_every_(std::max<std::int64_t>(1, run_setup.run.iterations / 100)),
      start_(Clock::now()) {
  sampling.reserve(static_cast<std::size_t>(num_workers));
  for (int i = 0; i < num_workers; ++i) {
    sampling.emplace_back(StreamKey{.seed = setup.run.seed,
                                    .run = setup.run.run_index,
                                    .worker = static_cast<std::uint64_t>(i),
                                    .purpose = StreamPurpose::kSampling});
  }
  result.worker_updates.assign(static_cast<std::size_t>(num_workers), 0);
}

Vector EngineContext::initial_point() const {
  return setup.initial_point.size() != 0 ? setup.initial_point : problem.initial_point();
}

double EngineContext::wall_time_s() const {
  return std::chrono::duration<double>(Clock::now() - start_).count() - probe_time_s();
}

void EngineContext::record_row(std::int64_t iteration, std::int64_t gradient_evaluations,
                               double virtual_time_s, double wall_time_s, double step_size,
                               ConstMatrixRef models) {
  recorder.record({.iteration = iteration,
                   .gradient_evaluations = gradient_evaluations,
                   .virtual_time_s = virtual_time_s,
                   .wall_time_s = wall_time_s,
                   .step_size = step_size,
                   .worker_updates = result.worker_updates},
                  models);
}

void EngineContext::report_progress(std::int64_t done) {
  if (progress_ && (done % progress_every_ == 0 || done == setup.run.iterations)) {
    progress_(done, setup.run.iterations);
  }
}

RunResult EngineContext::finish() {
  result.trace = std::move(recorder.rows());
  if (setup.checkpoint_probe) {
    const auto columns = setup.checkpoint_probe->columns();
    result.extra_trace_columns.assign(columns.begin(), columns.end());
  }
  result.probe_time_s = probe_time_s();
  result.wall_time_s = wall_time_s();
  return std::move(result);
}

}  // namespace dsgdlab
