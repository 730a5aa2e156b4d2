#include "dsgdlab/algorithms/engine/sim_engine.hpp"

#include <algorithm>

#include "sim_context.hpp"

namespace dsgdlab {
namespace sim {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<RandomStream> sampling_streams(const RunSetup& setup, int num_workers) {
  std::vector<RandomStream> streams;
  streams.reserve(static_cast<std::size_t>(num_workers));
  for (int i = 0; i < num_workers; ++i) {
    streams.emplace_back(StreamKey{.seed = setup.run.seed,
                                   .run = setup.run.run_index,
                                   .worker = static_cast<std::uint64_t>(i),
                                   .purpose = StreamPurpose::kSampling});
  }
  return streams;
}

}  // namespace

SimContext::SimContext(const RunSetup& run_setup, const ProgressCallback& progress)
    : setup(run_setup),
      problem(*run_setup.problem),
      num_workers(run_setup.problem->num_workers()),
      dim(run_setup.problem->dim()),
      model_bytes(8.0 * static_cast<double>(run_setup.problem->dim())),
      cost(run_setup.cost, num_workers, run_setup.run.seed, run_setup.run.run_index),
      recorder(*run_setup.problem, run_setup.run.probe),
      sampling(sampling_streams(run_setup, num_workers)),
      progress_(progress),
      progress_every_(std::max<std::int64_t>(1, run_setup.run.iterations / 100)),
      start_(Clock::now()) {
  result.worker_updates.assign(static_cast<std::size_t>(num_workers), 0);
}

Vector SimContext::initial_point() const {
  return setup.initial_point.size() != 0 ? setup.initial_point : problem.initial_point();
}

double SimContext::wall_time_s() const {
  const double total = std::chrono::duration<double>(Clock::now() - start_).count();
  return total - recorder.probe_time_s();
}

void SimContext::record(std::int64_t iteration, double virtual_time_s, double step_size,
                        ConstMatrixRef models) {
  recorder.record({.iteration = iteration,
                   .gradient_evaluations = result.gradient_evaluations,
                   .virtual_time_s = virtual_time_s,
                   .wall_time_s = wall_time_s(),
                   .step_size = step_size},
                  models);
}

void SimContext::report_progress(std::int64_t done) {
  if (progress_ && (done % progress_every_ == 0 || done == setup.run.iterations)) {
    progress_(done, setup.run.iterations);
  }
}

}  // namespace sim

RunResult run_simulation(const RunSetup& setup, const ProgressCallback& progress) {
  setup.validate();
  sim::SimContext context(setup, progress);
  switch (setup.algorithm.kind) {
    case AlgorithmKind::kAdpsgd: sim::simulate_adpsgd(context); break;
    case AlgorithmKind::kApsgd: sim::simulate_apsgd(context); break;
    default: sim::simulate_rounds(context); break;
  }
  RunResult& result = context.result;
  result.trace = std::move(context.recorder.rows());
  result.probe_time_s = context.recorder.probe_time_s();
  result.wall_time_s = context.wall_time_s();
  return std::move(result);
}

}  // namespace dsgdlab
