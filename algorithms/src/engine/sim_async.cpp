// Asynchronous algorithms on the sim engine: AD-PSGD and A-PSGD as discrete events.
//
// Iteration k is the k-th applied update of any worker. Staleness of an update is
// τ = (updates applied before it) − (updates applied when its snapshot was read), theory.md §2.
// A worker's gradient depends only on its snapshot and its own sampling stream, so it is
// computed when the snapshot is taken; the engine charges its compute time on the clock and
// applies it at the event that ends the computation (and communication), exactly as if it had
// been computed then.

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "event_queue.hpp"
#include "sim_context.hpp"

namespace dsgdlab::sim {
namespace {

/// edge_ids[i][p] = index in graph.edges() of the edge to the p-th neighbour of i.
std::vector<std::vector<std::int32_t>> edge_ids_by_neighbor(const Graph& graph) {
  std::vector<std::vector<std::int32_t>> ids(static_cast<std::size_t>(graph.num_vertices()));
  for (int i = 0; i < graph.num_vertices(); ++i) {
    ids[static_cast<std::size_t>(i)].resize(static_cast<std::size_t>(graph.degree(i)));
  }
  const auto edges = graph.edges();
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const auto [u, v] = edges[e];
    const auto nu = graph.neighbors(u);
    const auto nv = graph.neighbors(v);
    const auto pu = std::lower_bound(nu.begin(), nu.end(), v) - nu.begin();
    const auto pv = std::lower_bound(nv.begin(), nv.end(), u) - nv.begin();
    ids[static_cast<std::size_t>(u)][static_cast<std::size_t>(pu)] = static_cast<std::int32_t>(e);
    ids[static_cast<std::size_t>(v)][static_cast<std::size_t>(pv)] = static_cast<std::int32_t>(e);
  }
  return ids;
}

/// Shared bookkeeping of one applied update: staleness, counters, trace rows, stopping.
class AsyncProgress {
 public:
  explicit AsyncProgress(SimContext& context)
      : context_(context), snapshot_count_(static_cast<std::size_t>(context.num_workers), 0) {}

  std::int64_t applied() const { return applied_; }
  bool finished() const { return finished_; }
  double step() const { return context_.setup.algorithm.step.at(applied_); }

  void take_snapshot(int worker) { snapshot_count_[static_cast<std::size_t>(worker)] = applied_; }

  /// Records time-rule rows due before `time_s` (the state is constant between events) and
  /// stops at the time limit. Returns false when the run must stop.
  bool advance_clock(double time_s, ConstMatrixRef models) {
    TraceRecorder& recorder = context_.recorder;
    while (recorder.next_time_due_s() <= time_s &&
           recorder.next_time_due_s() <= context_.setup.run.max_virtual_time_s) {
      context_.record(applied_, recorder.next_time_due_s(), step(), models);
    }
    if (time_s > context_.setup.run.max_virtual_time_s) {
      context_.result.virtual_time_s = context_.setup.run.max_virtual_time_s;
      context_.record(applied_, context_.setup.run.max_virtual_time_s, step(), models);
      context_.result.status =
          time_limit_status(/*wall_clock=*/false, /*asynchronous=*/true, applied_);
      finished_ = true;
      return false;
    }
    return true;
  }

  /// Bookkeeping after worker `worker`'s update at `time_s`; `models` is the state after it.
  void after_update(int worker, double time_s, bool models_diverged, ConstMatrixRef models) {
    RunResult& result = context_.result;
    result.updates.push_back(UpdateRecord{
        .worker = worker,
        .staleness = static_cast<std::int32_t>(applied_ -
                                               snapshot_count_[static_cast<std::size_t>(worker)])});
    ++applied_;
    ++result.worker_updates[static_cast<std::size_t>(worker)];
    result.iterations = applied_;
    result.virtual_time_s = time_s;
    TraceRecorder& recorder = context_.recorder;
    bool diverged = models_diverged || recorder.saw_non_finite();
    if (applied_ == context_.setup.run.iterations || diverged ||
        recorder.due_at_iteration(applied_)) {
      context_.record(applied_, time_s, step(), models);
    }
    diverged = diverged || recorder.saw_non_finite();
    context_.report_progress(applied_);
    if (diverged) {
      result.status = divergence_status(models_diverged, applied_);
    }
    finished_ = applied_ == context_.setup.run.iterations || diverged;
  }

 private:
  SimContext& context_;
  std::vector<std::int64_t> snapshot_count_;
  std::int64_t applied_ = 0;
  bool finished_ = false;
};

}  // namespace

void simulate_adpsgd(SimContext& context) {
  const RunSetup& setup = context.setup;
  const Problem& problem = context.problem;
  const Graph& graph = *setup.graph;
  const int n = context.num_workers;
  const int batch = setup.algorithm.batch_size;
  const auto edge_ids = edge_ids_by_neighbor(graph);
  RunResult& result = context.result;
  result.pair_counts.assign(graph.num_edges(), 0);

  // Bipartite pairing: side 0 is active (initiates), side 1 passive (theory.md §2).
  std::vector<int> side(static_cast<std::size_t>(n), 0);
  if (setup.algorithm.pairing == PairingMode::kBipartite) side = *bipartition(graph);
  std::vector<RandomStream> pairing;
  pairing.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    pairing.emplace_back(StreamKey{.seed = setup.run.seed,
                                   .run = setup.run.run_index,
                                   .worker = static_cast<std::uint64_t>(i),
                                   .purpose = StreamPurpose::kPairing});
  }

  Matrix models = context.initial_point().replicate(1, n);
  Matrix gradients(context.dim, n);
  AsyncProgress progress(context);
  EventQueue events;

  // Snapshot x̂ ← x_i and start computing g_i(x̂); it is ready after the compute time.
  const auto start_computing = [&](int i, double time_s) {
    progress.take_snapshot(i);
    problem.stochastic_gradient(i, models.col(i), batch,
                                context.sampling[static_cast<std::size_t>(i)], gradients.col(i));
    events.push(time_s + context.cost.next_compute_time(i), i, EventType::kGradientReady);
  };
  // Steps 3–4 of AD-PSGD, atomically: average with the partner, then apply the stale gradient.
  const auto apply = [&](int i, int partner, double time_s) {
    context.recorder.before_iteration(progress.applied(), models);
    if (partner >= 0) {
      average_pair(models.col(i), models.col(partner));
      const auto neighbors = graph.neighbors(i);
      const auto position =
          std::lower_bound(neighbors.begin(), neighbors.end(), partner) - neighbors.begin();
      ++result.pair_counts[static_cast<std::size_t>(
          edge_ids[static_cast<std::size_t>(i)][static_cast<std::size_t>(position)])];
    }
    sgd_step(models.col(i), gradients.col(i), progress.step());
    // x_i = (x_i + x_j)/2 − ηg is finite only if the average x_j now holds is (∞ − ∞ is NaN),
    // so checking x_i covers the partner too.
    const bool diverged = !models.col(i).allFinite();
    progress.after_update(i, time_s, diverged, models);
    if (!progress.finished()) start_computing(i, time_s);
  };

  context.record(0, 0.0, progress.step(), models);
  for (int i = 0; i < n; ++i) start_computing(i, 0.0);
  while (!progress.finished()) {
    const Event event = events.pop();
    if (!progress.advance_clock(event.time_s, models)) break;
    const int i = event.worker;
    if (event.type == EventType::kGradientReady) {
      ++result.gradient_evaluations;
      const auto neighbors = graph.neighbors(i);
      int partner = -1;
      if (!neighbors.empty() && side[static_cast<std::size_t>(i)] == 0) {
        partner = neighbors[static_cast<std::size_t>(
            pairing[static_cast<std::size_t>(i)].uniform_index(neighbors.size()))];
      }
      const double comm =
          partner >= 0 ? context.cost.message_time(i, partner, context.model_bytes) : 0.0;
      if (comm > 0.0) {
        events.push(event.time_s + comm, i, EventType::kApply, partner);
      } else {
        apply(i, partner, event.time_s);
      }
    } else {
      apply(i, event.partner, event.time_s);
    }
  }
  result.final_models = std::move(models);
}

void simulate_apsgd(SimContext& context) {
  const RunSetup& setup = context.setup;
  const Problem& problem = context.problem;
  const int n = context.num_workers;
  const int batch = setup.algorithm.batch_size;
  RunResult& result = context.result;

  Vector server = context.initial_point();
  const Eigen::Map<const Matrix> server_view(server.data(), context.dim, 1);
  Matrix gradients(context.dim, n);
  AsyncProgress progress(context);
  EventQueue events;
  context.cost.reset_server();

  // Pull: the server copies x when the request arrives; the copy then queues on the server
  // link. The gradient of that copy is ready after the transfer and the compute time.
  const auto pull = [&](int i, double time_s) {
    progress.take_snapshot(i);
    problem.stochastic_gradient(i, server, batch, context.sampling[static_cast<std::size_t>(i)],
                                gradients.col(i));
    const double arrival = context.cost.server_transfer(time_s, context.model_bytes);
    events.push(arrival + context.cost.next_compute_time(i), i, EventType::kGradientReady);
  };
  // The server applies x ← x − η g at once when a push arrives; the worker pulls again.
  const auto apply = [&](int i, double time_s) {
    context.recorder.before_iteration(progress.applied(), server_view);
    sgd_step(server, gradients.col(i), progress.step());
    progress.after_update(i, time_s, !server.allFinite(), server_view);
    if (!progress.finished()) pull(i, time_s);
  };

  context.record(0, 0.0, progress.step(), server_view);
  for (int i = 0; i < n; ++i) events.push(0.0, i, EventType::kPull);
  while (!progress.finished()) {
    const Event event = events.pop();
    if (!progress.advance_clock(event.time_s, server_view)) break;
    switch (event.type) {
      case EventType::kPull: pull(event.worker, event.time_s); break;
      case EventType::kGradientReady: {
        ++result.gradient_evaluations;
        const double arrival = context.cost.server_transfer(event.time_s, context.model_bytes);
        if (arrival > event.time_s) {
          events.push(arrival, event.worker, EventType::kApply);
        } else {
          apply(event.worker, event.time_s);
        }
        break;
      }
      case EventType::kApply: apply(event.worker, event.time_s); break;
    }
  }
  result.final_models = server.replicate(1, n);
}

}  // namespace dsgdlab::sim
