// Synchronous algorithms on real threads: every worker computes its gradient and takes its
// local step (or its D-PSGD mixing) in parallel; a barrier ends the round, and its completion
// step — run by one thread while the others wait — averages (AveragingSchedule) or swaps the
// D-PSGD buffers, then does the bookkeeping and probes in the same order as the sim engine.
// Every floating-point operation is the same as in sim, so the models are bitwise equal.

#include <atomic>
#include <barrier>
#include <exception>

#include "dsgdlab/algorithms/averaging_schedule.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "threads_context.hpp"

namespace dsgdlab::threads {

void run_rounds(ThreadsContext& context) {
  const RunSetup& setup = context.setup;
  const Problem& problem = context.problem;
  const int n = context.num_workers;
  const Index d = context.dim;
  const bool gossip = setup.algorithm.kind == AlgorithmKind::kDpsgd;
  const AveragingSchedule schedule(setup);
  const std::int64_t iterations = setup.run.iterations;
  const int batch = setup.algorithm.batch_size;
  RunResult& result = context.result;
  TraceRecorder& recorder = context.recorder;

  Matrix models = context.initial_point().replicate(1, n);
  Matrix mixed(gossip ? d : 0, gossip ? n : 0);
  Matrix gradients(d, n);
  Vector scratch(d);

  // Written only by the barrier's completion step; the barrier orders those writes before
  // every worker's next read.
  std::int64_t round = 0;
  bool stop = false;
  std::atomic<bool> worker_failed{false};
  std::exception_ptr completion_error;

  context.record(0, 0, setup.algorithm.step.at(0), models);
  recorder.before_iteration(0, models);

  const auto complete_round = [&]() noexcept {
    try {
      const std::int64_t k = round;
      if (worker_failed.load()) {
        stop = true;
        return;
      }
      if (gossip) {
        models.swap(mixed);
      } else {
        const int level = schedule.level_after_step(k + 1);
        if (level >= 0) {
          double slowest_allreduce_s = 0.0;
          for (const auto& cluster : schedule.level(level).clusters) {
            average_members(models, cluster, scratch);
            slowest_allreduce_s = std::max(
                slowest_allreduce_s, context.cost.allreduce_time(cluster, context.model_bytes));
          }
          ThreadsContext::sleep_for(slowest_allreduce_s);
        }
      }
      result.gradient_evaluations += n;
      for (auto& updates : result.worker_updates) ++updates;
      result.iterations = k + 1;
      const double now = context.wall_time_s();
      result.virtual_time_s = now;

      const bool models_diverged = !models.allFinite();
      bool diverged = models_diverged || recorder.saw_non_finite();
      const bool over_time = now > setup.run.max_virtual_time_s;
      const bool last = k + 1 == iterations || diverged || over_time;
      if (last || recorder.due_at_iteration(k + 1) || now >= recorder.next_time_due_s()) {
        context.record(k + 1, result.gradient_evaluations, setup.algorithm.step.at(k + 1), models);
      }
      diverged = diverged || recorder.saw_non_finite();
      context.report_progress(k + 1);
      if (diverged) {
        result.status = divergence_status(models_diverged, k + 1);
      } else if (over_time && k + 1 < iterations) {
        result.status = time_limit_status(/*wall_clock=*/true, /*asynchronous=*/false, k + 1);
      }
      stop = last || diverged;
      round = k + 1;
      if (!stop) recorder.before_iteration(k + 1, models);
    } catch (...) {
      completion_error = std::current_exception();
      stop = true;
    }
  };
  std::barrier barrier(n, complete_round);

  run_on_threads(
      n,
      [&](int i) {
        RandomStream& sampling = context.sampling[static_cast<std::size_t>(i)];
        while (!stop) {
          const double step = setup.algorithm.step.at(round);
          const auto start = Clock::now();
          problem.stochastic_gradient(i, models.col(i), batch, sampling, gradients.col(i));
          context.delay_compute(i, seconds_since(start));
          if (gossip) {
            // X_{k+1} = X_k W − η G(X_k): read the pre-step models, write this worker's column
            // of the other buffer; the completion step swaps the buffers.
            mix_worker(setup.mixing, i, models, mixed.col(i));
            sgd_step(mixed.col(i), gradients.col(i), step);
            context.delay_neighbor_messages(setup.mixing, i);
          } else {
            sgd_step(models.col(i), gradients.col(i), step);
          }
          barrier.arrive_and_wait();
        }
      },
      [&] {
        worker_failed.store(true);
        barrier.arrive_and_drop();
      });
  if (completion_error) std::rethrow_exception(completion_error);
  result.final_models = std::move(models);
}

}  // namespace dsgdlab::threads
