// A-PSGD on the mpi engine: rank 0 is the parameter server. It sends every worker the model
// (a pull), receives gradients in arrival order (pushes), applies each at once with sgd_step
// and answers with the new model, or with "stop" once the run is over. The server sees every
// update, so it counts them exactly: an update's τ is the updates applied between the pull
// its gradient was computed at and its push (theory.md §2); R(K) is sampled at every iterate,
// as on `sim`; rows are recorded after the very update that makes them due.
//
// Heterogeneity as on `threads`: the server's link is busy b/β_s per transfer (the server is
// one process, so transfers queue), every transfer adds α_s on the worker's side.

#include <chrono>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/update_rules.hpp"
#include "mpi_algorithms.hpp"

namespace dsgdlab::mpi {
namespace {

void run_server(MpiContext& context) {
  const RunSetup& setup = context.setup;
  const int n = context.num_workers;
  const int d = static_cast<int>(context.dim);
  const std::int64_t iterations = setup.run.iterations;
  const double link_busy_s = context.model_bytes / setup.cost.server_bandwidth_bytes_per_s;
  RunResult& result = context.result;
  TraceRecorder& recorder = context.recorder;

  Vector server = context.initial_point();
  const Eigen::Map<const Matrix> server_view(server.data(), context.dim, 1);
  Vector gradient(context.dim);
  std::vector<std::int64_t> snapshot_count(static_cast<std::size_t>(n), 0);
  std::int64_t applied = 0;
  bool finished = false;
  const auto send_model = [&](int worker) {
    WallClockContext::sleep_for(link_busy_s);
    snapshot_count[static_cast<std::size_t>(worker)] = applied;
    check(
        MPI_Send(server.data(), d, MPI_DOUBLE, MpiContext::rank_of(worker), kTagModel, context.run),
        "MPI_Send");
  };

  context.record(0, 0, setup.algorithm.step.at(0), server_view);
  for (int w = 0; w < n; ++w) send_model(w);
  int working = n;
  while (working > 0) {
    MPI_Status status;
    check(MPI_Recv(gradient.data(), d, MPI_DOUBLE, MPI_ANY_SOURCE, kTagGradient, context.run,
                   &status),
          "MPI_Recv");
    const int worker = status.MPI_SOURCE - 1;
    ++result.gradient_evaluations;
    WallClockContext::sleep_for(link_busy_s);
    if (!finished) {
      recorder.before_iteration(applied, server_view);
      sgd_step(server, gradient, setup.algorithm.step.at(applied));
      result.updates.push_back(
          UpdateRecord{.worker = worker,
                       .staleness = static_cast<std::int32_t>(
                           applied - snapshot_count[static_cast<std::size_t>(worker)])});
      ++applied;
      ++result.worker_updates[static_cast<std::size_t>(worker)];
      result.iterations = applied;
      const double now = context.wall_time_s();
      result.virtual_time_s = now;
      const bool models_diverged = !server.allFinite();
      const bool over_time = now > setup.run.max_virtual_time_s;
      const bool last = applied == iterations || models_diverged || over_time;
      if (last || recorder.due_at_iteration(applied) || now >= recorder.next_time_due_s()) {
        context.record(applied, result.gradient_evaluations, setup.algorithm.step.at(applied),
                       server_view);
      }
      context.report_progress(applied);
      if (models_diverged || recorder.saw_non_finite()) {
        result.status = divergence_status(models_diverged, applied);
        finished = true;
      } else if (over_time && applied < iterations) {
        result.status = time_limit_status(/*wall_clock=*/true, /*asynchronous=*/true, applied);
        finished = true;
      }
      finished = finished || applied == iterations;
    }
    if (finished) {
      check(MPI_Send(nullptr, 0, MPI_DOUBLE, status.MPI_SOURCE, kTagStop, context.run), "MPI_Send");
      --working;
    } else {
      send_model(worker);
    }
  }
  result.running_average_exact = true;
  result.final_models = server.replicate(1, n);
}

void run_worker(MpiContext& context) {
  const RunSetup& setup = context.setup;
  const int i = context.worker();
  const int d = static_cast<int>(context.dim);
  RandomStream& sampling = context.sampling[static_cast<std::size_t>(i)];
  Vector pulled(context.dim);
  Vector gradient(context.dim);
  WorkerTimeBreakdown& times = context.worker_times;
  auto exchange_start = EngineContext::Clock::now();
  while (true) {
    MPI_Status status;
    check(MPI_Recv(pulled.data(), d, MPI_DOUBLE, kCoordinator, MPI_ANY_TAG, context.run, &status),
          "MPI_Recv");
    if (status.MPI_TAG == kTagStop) break;
    WallClockContext::sleep_for(setup.cost.server_latency_s);  // the pull's latency
    const auto start = EngineContext::Clock::now();
    times.communication_s += std::chrono::duration<double>(start - exchange_start).count();
    context.problem.stochastic_gradient(i, pulled, setup.algorithm.batch_size, sampling, gradient);
    context.delay_compute(i, seconds_since(start));
    times.compute_s += seconds_since(start);
    exchange_start = EngineContext::Clock::now();
    WallClockContext::sleep_for(setup.cost.server_latency_s);  // the push's latency
    check(MPI_Send(gradient.data(), d, MPI_DOUBLE, kCoordinator, kTagGradient, context.run),
          "MPI_Send");
  }
  times.communication_s += seconds_since(exchange_start);
}

}  // namespace

void run_apsgd(MpiContext& context) {
  if (context.coordinator()) {
    run_server(context);
  } else {
    run_worker(context);
  }
  context.collect_worker_times();
}

}  // namespace dsgdlab::mpi
