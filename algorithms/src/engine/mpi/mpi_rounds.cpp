// Synchronous algorithms on the mpi engine. Worker i (rank i + 1) computes its gradient and
// takes its local step, its D-PSGD mixing (NeighborExchange) or its cluster averaging
// (ClusterAveraging) exactly as `sim` orders them, so the models are the same bits. After
// each round every rank joins one small MPI_Allreduce: the workers say whether their model is
// finite, rank 0 whether the time rule asks for a row and whether the time limit has passed.
// Rows (and R(K)'s samples) gather the models on rank 0, which measures them as `sim` does.

#include <optional>
#include <string>

#include "cluster_averaging.hpp"
#include "dsgdlab/algorithms/averaging_schedule.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "mpi_algorithms.hpp"
#include "neighbor_exchange.hpp"

namespace dsgdlab::mpi {
namespace {

/// The round's outcome as every rank learns it (element-wise maximum over the ranks).
enum RoundFlag : int {
  kModelNonFinite = 0,  ///< a worker's model is NaN or infinite
  kOverTime = 1,        ///< rank 0: wall time past run.max_virtual_time_s
  kTimeRowDue = 2,      ///< rank 0: the time rule asks for a row
  kRoundFlags = 3,
};

}  // namespace

void run_rounds(MpiContext& context) {
  const RunSetup& setup = context.setup;
  const Problem& problem = context.problem;
  const int n = context.num_workers;
  const Index d = context.dim;
  const bool gossip = setup.algorithm.kind == AlgorithmKind::kDpsgd;
  const AveragingSchedule schedule(setup);
  const std::int64_t iterations = setup.run.iterations;
  const std::int64_t sample_every = setup.run.probe.running_average_every;
  const int batch = setup.algorithm.batch_size;
  const bool lead = context.coordinator();
  const int i = context.worker();
  RunResult& result = context.result;  // filled on rank 0
  TraceRecorder& recorder = context.recorder;

  Vector model = context.initial_point();  // rank 0's stays x_0 and is never sent
  Vector gradient(lead ? 0 : d);
  Vector mixed(gossip && !lead ? d : 0);
  std::optional<NeighborExchange> exchange;
  std::optional<ClusterAveraging> averaging;
  if (!lead && gossip) exchange.emplace(setup.mixing, i, d, context.workers);
  if (!lead && !gossip) {
    averaging.emplace(schedule, i, d, context.options.averaging, context.workers);
  }

  // Rank 0's copy of every model, holding the state after `gathered` iterations.
  Matrix models = lead ? model.replicate(1, n) : Matrix();
  std::int64_t gathered = 0;
  const auto gather_state = [&](std::int64_t state) {
    if (gathered == state) return;
    context.gather_models(model, models);
    gathered = state;
  };

  if (lead) context.record(0, 0, setup.algorithm.step.at(0), models);
  std::int64_t done = 0;
  for (std::int64_t k = 0; k < iterations; ++k) {
    if (sample_every > 0 && k % sample_every == 0) {
      gather_state(k);
      if (lead) recorder.before_iteration(k, models);
    }
    if (!lead) {
      WorkerTimeBreakdown& times = context.worker_times;
      const double step = setup.algorithm.step.at(k);
      const auto start = EngineContext::Clock::now();
      problem.stochastic_gradient(i, model, batch, context.sampling[static_cast<std::size_t>(i)],
                                  gradient);
      context.delay_compute(i, seconds_since(start));
      times.compute_s += seconds_since(start);
      const auto communication_start = EngineContext::Clock::now();
      if (gossip) {
        // X_{k+1} = X_k W − η G(X_k): mix the pre-step models, then apply the gradient.
        exchange->mix(model, mixed);
        sgd_step(mixed, gradient, step);
        context.delay_neighbor_messages(setup.mixing, i);
        model.swap(mixed);
        times.communication_s += seconds_since(communication_start);
      } else {
        sgd_step(model, gradient, step);
        times.compute_s += seconds_since(communication_start);
        const int level = schedule.level_after_step(k + 1);
        if (level >= 0) {
          const auto averaging_start = EngineContext::Clock::now();
          averaging->average(level, model);
          WallClockContext::sleep_for(
              context.cost.allreduce_time(averaging->cluster(level), context.model_bytes));
          times.communication_s += seconds_since(averaging_start);
        }
      }
    }
    const auto coordination_start = EngineContext::Clock::now();
    done = k + 1;

    int flags[kRoundFlags] = {0, 0, 0};
    double now = 0.0;
    if (lead) {
      now = context.wall_time_s();
      flags[kOverTime] = now > setup.run.max_virtual_time_s ? 1 : 0;
      flags[kTimeRowDue] = now >= recorder.next_time_due_s() ? 1 : 0;
    } else {
      flags[kModelNonFinite] = model.allFinite() ? 0 : 1;
    }
    check(MPI_Allreduce(MPI_IN_PLACE, flags, kRoundFlags, MPI_INT, MPI_MAX, context.run),
          "MPI_Allreduce");
    if (!lead) context.worker_times.coordination_s += seconds_since(coordination_start);
    const bool models_diverged = flags[kModelNonFinite] != 0;
    const bool over_time = flags[kOverTime] != 0;
    bool diverged = models_diverged;
    const bool last = done == iterations || diverged || over_time;
    if (lead) {
      result.gradient_evaluations += n;
      for (auto& updates : result.worker_updates) ++updates;
      result.iterations = done;
      result.virtual_time_s = now;
    }
    if (last || recorder.due_at_iteration(done) || flags[kTimeRowDue] != 0) {
      gather_state(done);
      int measured_non_finite = 0;
      if (lead) {
        context.record(done, result.gradient_evaluations, setup.algorithm.step.at(done), models);
        measured_non_finite = recorder.saw_non_finite() ? 1 : 0;
      }
      const auto broadcast_start = EngineContext::Clock::now();
      check(MPI_Bcast(&measured_non_finite, 1, MPI_INT, kCoordinator, context.run), "MPI_Bcast");
      if (!lead) context.worker_times.coordination_s += seconds_since(broadcast_start);
      diverged = diverged || measured_non_finite != 0;
    }
    if (lead) {
      context.report_progress(done);
      if (diverged) {
        result.status = divergence_status(models_diverged, done);
      } else if (over_time && done < iterations) {
        result.status = time_limit_status(/*wall_clock=*/true, /*asynchronous=*/false, done);
      }
    }
    if (last || diverged) break;
  }
  gather_state(done);
  context.collect_worker_times();
  if (lead) result.final_models = std::move(models);
}

}  // namespace dsgdlab::mpi
