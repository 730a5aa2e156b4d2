// Synchronous algorithms on the sim engine: SGD, AllReduce-SGD, local SGD, H-SGD (two- and
// multi-level) and D-PSGD, as rounds in which every worker computes one stochastic gradient.
//
// Virtual time (theory.md §3): every worker has its own clock. Local steps need no one else,
// so between communications the clocks run apart; a cluster average starts when its slowest
// member is done and takes the ring-allreduce time (CostModel::allreduce_time), after which
// every member resumes at the same time. D-PSGD: a round is compute, then communication —
// each worker sends its model to its neighbours when its gradient is done, and worker i starts
// its next round once its own gradient is done and every neighbour's message has arrived:
// start_i' = max(done_i, max_{j ∈ N(i)} done_j + α_ji + b/β_ji). (Overlapping the exchange
// with the computation, as real implementations may, would be a different cost model.)

#include <algorithm>
#include <vector>

#include "dsgdlab/algorithms/averaging_schedule.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "sim_context.hpp"

namespace dsgdlab::sim {

void simulate_rounds(SimContext& context) {
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
  Matrix gradients(d, n);
  Matrix mixed(gossip ? d : 0, gossip ? n : 0);
  Vector scratch(d);
  std::vector<double> clock(static_cast<std::size_t>(n), 0.0);
  std::vector<double> next_clock(static_cast<std::size_t>(n), 0.0);
  double virtual_time = 0.0;

  context.record(0, 0.0, setup.algorithm.step.at(0), models);
  for (std::int64_t k = 0; k < iterations; ++k) {
    recorder.before_iteration(k, models);
    const double step = setup.algorithm.step.at(k);
    for (int i = 0; i < n; ++i) {
      problem.stochastic_gradient(i, models.col(i), batch,
                                  context.sampling[static_cast<std::size_t>(i)], gradients.col(i));
      next_clock[static_cast<std::size_t>(i)] =
          clock[static_cast<std::size_t>(i)] + context.cost.next_compute_time(i);
    }
    result.gradient_evaluations += n;

    if (gossip) {
      // X_{k+1} = X_k W − η G(X_k): mix the pre-step models, then apply the gradients.
      for (int i = 0; i < n; ++i) {
        mix_worker(setup.mixing, i, models, mixed.col(i));
        sgd_step(mixed.col(i), gradients.col(i), step);
      }
      // next_clock holds done_j; the new clock of i waits for its neighbours' messages.
      for (int i = 0; i < n; ++i) {
        double start = next_clock[static_cast<std::size_t>(i)];
        for (SparseMatrix::InnerIterator it(setup.mixing, i); it; ++it) {
          const int j = static_cast<int>(it.row());
          if (j == i) continue;
          start = std::max(start, next_clock[static_cast<std::size_t>(j)] +
                                      context.cost.message_time(j, i, context.model_bytes));
        }
        clock[static_cast<std::size_t>(i)] = start;
      }
      models.swap(mixed);
    } else {
      // Local step on every worker, then the averaging the schedule calls for after step k+1.
      for (int i = 0; i < n; ++i) sgd_step(models.col(i), gradients.col(i), step);
      clock.swap(next_clock);
      const int level = schedule.level_after_step(k + 1);
      if (level >= 0) {
        for (const auto& cluster : schedule.level(level).clusters) {
          average_members(models, cluster, scratch);
          double done = 0.0;
          for (int i : cluster) done = std::max(done, clock[static_cast<std::size_t>(i)]);
          done += context.cost.allreduce_time(cluster, context.model_bytes);
          for (int i : cluster) clock[static_cast<std::size_t>(i)] = done;
        }
      }
    }
    for (int i = 0; i < n; ++i) ++result.worker_updates[static_cast<std::size_t>(i)];
    virtual_time = *std::max_element(clock.begin(), clock.end());
    result.iterations = k + 1;
    result.virtual_time_s = virtual_time;

    const bool models_diverged = !models.allFinite();
    bool diverged = models_diverged || recorder.saw_non_finite();
    const bool over_time = virtual_time > setup.run.max_virtual_time_s;
    const bool last = k + 1 == iterations || diverged || over_time;
    if (last || recorder.due_at_iteration(k + 1) || virtual_time >= recorder.next_time_due_s()) {
      context.record(k + 1, virtual_time, setup.algorithm.step.at(k + 1), models);
    }
    diverged = diverged || recorder.saw_non_finite();
    context.report_progress(k + 1);
    if (diverged) {
      result.status = divergence_status(models_diverged, k + 1);
      break;
    }
    if (over_time && k + 1 < iterations) {
      result.status = time_limit_status(/*wall_clock=*/false, /*asynchronous=*/false, k + 1);
      break;
    }
  }
  result.final_models = std::move(models);
}

}  // namespace dsgdlab::sim
