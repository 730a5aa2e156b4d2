#include "dsgdlab/algorithms/engine/threads_engine.hpp"

#include <algorithm>
#include <cmath>
#include <latch>

#include "threads_context.hpp"

namespace dsgdlab {
namespace threads {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

ThreadsContext::ThreadsContext(const RunSetup& run_setup, const ProgressCallback& progress)
    : setup(run_setup),
      problem(*run_setup.problem),
      num_workers(run_setup.problem->num_workers()),
      dim(run_setup.problem->dim()),
      model_bytes(8.0 * static_cast<double>(run_setup.problem->dim())),
      cost(run_setup.cost, num_workers, run_setup.run.seed, run_setup.run.run_index),
      recorder(*run_setup.problem, run_setup.run.probe),
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

Vector ThreadsContext::initial_point() const {
  return setup.initial_point.size() != 0 ? setup.initial_point : problem.initial_point();
}

double ThreadsContext::wall_time_s() const { return seconds_since(start_) - probe_time_s(); }

void ThreadsContext::record(std::int64_t iteration, std::int64_t gradient_evaluations,
                            double step_size, ConstMatrixRef models) {
  const double now = wall_time_s();
  recorder.record({.iteration = iteration,
                   .gradient_evaluations = gradient_evaluations,
                   .virtual_time_s = now,
                   .wall_time_s = now,
                   .step_size = step_size},
                  models);
}

void ThreadsContext::report_progress(std::int64_t done) {
  if (progress_ && (done % progress_every_ == 0 || done == setup.run.iterations)) {
    progress_(done, setup.run.iterations);
  }
}

void ThreadsContext::delay_compute(int worker, double measured_s) {
  const double factor = cost.next_compute_time(worker) / setup.cost.compute_time_s;
  if (factor > 1.0) sleep_for((factor - 1.0) * measured_s);
}

void ThreadsContext::delay_message(int u, int v) const {
  sleep_for(cost.message_time(u, v, model_bytes));
}

void ThreadsContext::sleep_for(double seconds) {
  if (seconds > 0.0 && std::isfinite(seconds)) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
}

void run_on_threads(int n, const std::function<void(int)>& body,
                    const std::function<void()>& on_error) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(n));
  std::latch ready(n);  // every worker starts together, not in thread-creation order
  for (int i = 0; i < n; ++i) {
    workers.emplace_back([&, i] {
      ready.arrive_and_wait();
      try {
        body(i);
      } catch (...) {
        errors[static_cast<std::size_t>(i)] = std::current_exception();
        on_error();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace threads

RunResult run_threads(const RunSetup& setup, const ProgressCallback& progress) {
  setup.validate();
  threads::ThreadsContext context(setup, progress);
  switch (setup.algorithm.kind) {
    case AlgorithmKind::kAdpsgd: threads::run_adpsgd(context); break;
    case AlgorithmKind::kApsgd: threads::run_apsgd(context); break;
    default: threads::run_rounds(context); break;
  }
  RunResult& result = context.result;
  result.trace = std::move(context.recorder.rows());
  result.probe_time_s = context.probe_time_s();
  result.wall_time_s = context.wall_time_s();
  return std::move(result);
}

}  // namespace dsgdlab
