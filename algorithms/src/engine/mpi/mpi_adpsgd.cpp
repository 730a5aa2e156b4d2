// AD-PSGD on the mpi engine (one-sided communication). Worker i's model lives in an MPI window
// on rank i + 1; rank 0 holds a window of three counters: updates applied (the tickets), a stop
// flag, and gradients computed. An update is what the threads engine does under its locks:
// lock the two windows exclusively in increasing rank order (every locker uses that order, so
// no cycle can form), take a ticket (MPI_Fetch_and_op), read both models, average them and
// apply the stale gradient (average_pair, sgd_step), write both back, unlock. A worker reads
// its snapshot and the ticket count under its own window's lock, so τ = ticket − count is the
// number of updates applied between its read and its write (theory.md §2).
//
// Rank 0 polls: it probes when the count crosses a multiple of probe.every_iterations or the
// time rule asks (a consistent snapshot: every window locked in rank order), sets the stop flag
// at the time limit or when a probe measured a non-finite value, and waits for every worker's
// "done" message before the final probe. The per-worker logs and pair counts are gathered on
// rank 0 at the end.

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "mpi_algorithms.hpp"

namespace dsgdlab::mpi {
namespace {

/// Rank 0's counters, in its counter window.
enum Counter : int {
  kApplied = 0,              ///< tickets taken: updates applied (capped at K when read)
  kStop = 1,                 ///< 1 once the run must stop early
  kGradientEvaluations = 2,  ///< stochastic gradients computed so far
  kCounters = 3,
};

/// How long rank 0 sleeps between polls: short against a gradient of the problems we run
/// (tens of microseconds and up), long enough that a coordinator sharing a core with workers
/// takes little of it.
constexpr std::chrono::microseconds kPollInterval{100};

/// One applied update as its worker logged it.
struct TicketRecord {
  std::int64_t ticket = 0;
  std::int32_t worker = 0;
  std::int32_t staleness = 0;
};

/// The two windows and the RMA calls on them.
class SharedState {
 public:
  SharedState(const MpiContext& context, ConstVectorRef initial_point) : run_(context.run) {
    const bool lead = context.coordinator();
    const MPI_Aint model_bytes = lead ? 0 : static_cast<MPI_Aint>(sizeof(double) * context.dim);
    check(MPI_Win_allocate(model_bytes, sizeof(double), MPI_INFO_NULL, run_, &model_memory_,
                           &models_),
          "MPI_Win_allocate");
    const MPI_Aint counter_bytes =
        lead ? static_cast<MPI_Aint>(sizeof(std::int64_t) * kCounters) : 0;
    check(MPI_Win_allocate(counter_bytes, sizeof(std::int64_t), MPI_INFO_NULL, run_,
                           &counter_memory_, &counters_),
          "MPI_Win_allocate");
    MPI_Win_set_errhandler(models_, MPI_ERRORS_RETURN);
    MPI_Win_set_errhandler(counters_, MPI_ERRORS_RETURN);
    int rank = 0;
    MPI_Comm_rank(run_, &rank);
    // Each rank initialises its own window through MPI (portable under either memory model);
    // the caller waits (a barrier) until every window holds its initial value.
    if (lead) {
      const std::int64_t zeros[kCounters] = {0, 0, 0};
      lock_exclusive(counters_, rank);
      check(MPI_Put(zeros, kCounters, MPI_INT64_T, rank, 0, kCounters, MPI_INT64_T, counters_),
            "MPI_Put");
      unlock(counters_, rank);
    } else {
      put_model(rank, initial_point);
    }
  }
  SharedState(const SharedState&) = delete;
  SharedState& operator=(const SharedState&) = delete;
  ~SharedState() {
    MPI_Win_free(&counters_);
    MPI_Win_free(&models_);
  }

  void lock_model(int rank) { lock_exclusive(models_, rank); }
  void unlock_model(int rank) { unlock(models_, rank); }
  /// Within a lock on `rank`: reads its model (complete on return).
  void read_model(int rank, VectorRef out) {
    check(MPI_Get(out.data(), static_cast<int>(out.size()), MPI_DOUBLE, rank, 0,
                  static_cast<int>(out.size()), MPI_DOUBLE, models_),
          "MPI_Get");
    check(MPI_Win_flush(rank, models_), "MPI_Win_flush");
  }
  /// Within a lock on `rank`: writes its model (complete at the unlock).
  void write_model(int rank, ConstVectorRef model) {
    check(MPI_Put(model.data(), static_cast<int>(model.size()), MPI_DOUBLE, rank, 0,
                  static_cast<int>(model.size()), MPI_DOUBLE, models_),
          "MPI_Put");
  }
  /// Atomically adds `increment` to counter `which` and returns its previous value.
  std::int64_t fetch_add(Counter which, std::int64_t increment) {
    std::int64_t previous = 0;
    check(MPI_Win_lock(MPI_LOCK_SHARED, kCoordinator, 0, counters_), "MPI_Win_lock");
    check(MPI_Fetch_and_op(&increment, &previous, MPI_INT64_T, kCoordinator, which, MPI_SUM,
                           counters_),
          "MPI_Fetch_and_op");
    check(MPI_Win_unlock(kCoordinator, counters_), "MPI_Win_unlock");
    return previous;
  }
  std::int64_t read(Counter which) { return fetch_add(which, 0); }
  /// The applied count and the stop flag, read atomically in one access epoch.
  std::array<std::int64_t, 2> read_applied_and_stop() {
    static_assert(kStop == kApplied + 1, "read together: adjacent counters");
    std::array<std::int64_t, 2> values{};
    check(MPI_Win_lock(MPI_LOCK_SHARED, kCoordinator, 0, counters_), "MPI_Win_lock");
    check(MPI_Get_accumulate(nullptr, 0, MPI_INT64_T, values.data(), 2, MPI_INT64_T, kCoordinator,
                             kApplied, 2, MPI_INT64_T, MPI_NO_OP, counters_),
          "MPI_Get_accumulate");
    check(MPI_Win_unlock(kCoordinator, counters_), "MPI_Win_unlock");
    return values;
  }

 private:
  void put_model(int rank, ConstVectorRef model) {
    lock_exclusive(models_, rank);
    write_model(rank, model);
    unlock(models_, rank);
  }
  static void lock_exclusive(MPI_Win window, int rank) {
    check(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, window), "MPI_Win_lock");
  }
  static void unlock(MPI_Win window, int rank) {
    check(MPI_Win_unlock(rank, window), "MPI_Win_unlock");
  }

  MPI_Comm run_;
  void* model_memory_ = nullptr;
  void* counter_memory_ = nullptr;
  MPI_Win models_ = MPI_WIN_NULL;
  MPI_Win counters_ = MPI_WIN_NULL;
};

/// What one worker did: its log, its pair counts, where it saw a non-finite model.
struct WorkerOutcome {
  std::vector<TicketRecord> log;
  std::vector<std::int64_t> pair_counts;
  std::int64_t diverged_at = std::numeric_limits<std::int64_t>::max();
};

WorkerOutcome run_worker(MpiContext& context, SharedState& shared) {
  const RunSetup& setup = context.setup;
  const Graph& graph = *setup.graph;
  const int i = context.worker();
  const int me = MpiContext::rank_of(i);
  const std::int64_t iterations = setup.run.iterations;
  const auto edges = graph.edges();
  std::vector<int> side(static_cast<std::size_t>(context.num_workers), 0);
  if (setup.algorithm.pairing == PairingMode::kBipartite) side = *bipartition(graph);
  const auto neighbors = graph.neighbors(i);
  const bool initiates = !neighbors.empty() && side[static_cast<std::size_t>(i)] == 0;
  RandomStream& sampling = context.sampling[static_cast<std::size_t>(i)];
  RandomStream pairing(StreamKey{.seed = setup.run.seed,
                                 .run = setup.run.run_index,
                                 .worker = static_cast<std::uint64_t>(i),
                                 .purpose = StreamPurpose::kPairing});

  WorkerOutcome outcome;
  outcome.pair_counts.assign(graph.num_edges(), 0);
  outcome.log.reserve(static_cast<std::size_t>(
      std::min<std::int64_t>(iterations / context.num_workers + 8, std::int64_t{1} << 16)));
  Vector snapshot(context.dim);
  Vector gradient(context.dim);
  Vector own(context.dim);
  Vector peer(context.dim);
  WorkerTimeBreakdown& times = context.worker_times;
  while (true) {
    const auto read_start = EngineContext::Clock::now();
    shared.lock_model(me);
    shared.read_model(me, snapshot);
    const auto [snapshot_count, stop] = shared.read_applied_and_stop();
    shared.unlock_model(me);
    const bool over = snapshot_count >= iterations || stop != 0;
    times.communication_s += seconds_since(read_start);
    if (over) break;

    const auto start = EngineContext::Clock::now();
    context.problem.stochastic_gradient(i, snapshot, setup.algorithm.batch_size, sampling,
                                        gradient);
    context.delay_compute(i, seconds_since(start));
    times.compute_s += seconds_since(start);
    const auto update_start = EngineContext::Clock::now();
    shared.fetch_add(kGradientEvaluations, 1);

    int partner = -1;
    if (initiates) {
      partner = neighbors[static_cast<std::size_t>(pairing.uniform_index(neighbors.size()))];
      context.delay_message(i, partner);
    }
    // Both windows in increasing rank order, as every locker takes them.
    const int first = partner >= 0 ? std::min(i, partner) : i;
    const int second = partner >= 0 ? std::max(i, partner) : i;
    shared.lock_model(MpiContext::rank_of(first));
    if (second != first) shared.lock_model(MpiContext::rank_of(second));
    const std::int64_t ticket = shared.fetch_add(kApplied, 1);
    const bool applies = ticket < iterations;
    if (applies) {
      shared.read_model(me, own);
      if (partner >= 0) {
        shared.read_model(MpiContext::rank_of(partner), peer);
        average_pair(own, peer);
        shared.write_model(MpiContext::rank_of(partner), peer);
        const auto edge =
            std::lower_bound(edges.begin(), edges.end(), std::pair<int, int>(first, second)) -
            edges.begin();
        ++outcome.pair_counts[static_cast<std::size_t>(edge)];
      }
      sgd_step(own, gradient, setup.algorithm.step.at(ticket));
      shared.write_model(me, own);
    }
    if (second != first) shared.unlock_model(MpiContext::rank_of(second));
    shared.unlock_model(MpiContext::rank_of(first));
    times.communication_s += seconds_since(update_start);
    if (!applies) break;
    outcome.log.push_back({.ticket = ticket,
                           .worker = i,
                           .staleness = static_cast<std::int32_t>(ticket - snapshot_count)});
    // x_i = (average, now also x_partner) − ηg is finite only if that average is.
    if (!own.allFinite()) {
      outcome.diverged_at = ticket + 1;
      shared.fetch_add(kStop, 1);
      break;
    }
  }
  const int done = 1;
  check(MPI_Send(&done, 1, MPI_INT, kCoordinator, kTagDone, context.run), "MPI_Send");
  return outcome;
}

/// Rank 0: probes, the time limit, and waiting for the workers.
class Coordinator {
 public:
  Coordinator(MpiContext& context, SharedState& shared)
      : context_(context), shared_(shared), models_(context.dim, context.num_workers) {}

  /// Row 0, before any worker starts: every model is x_0 and no update was applied.
  void record_start() {
    models_ = context_.initial_point().replicate(1, context_.num_workers);
    last_probed_ = 0;
    if (context_.setup.run.probe.running_average_every > 0) {
      context_.recorder.add_running_sample(0, models_);
    }
    context_.record(0, 0, context_.setup.algorithm.step.at(0), models_);
  }

  /// Until every worker has said done; then the final probe. Returns true if the time limit
  /// stopped the run.
  bool run() {
    const ProbeOptions& probe = context_.setup.run.probe;
    int done_workers = 0;
    while (done_workers < context_.num_workers) {
      int arrived = 0;
      MPI_Status status;
      check(MPI_Iprobe(MPI_ANY_SOURCE, kTagDone, context_.run, &arrived, &status), "MPI_Iprobe");
      if (arrived != 0) {
        int done = 0;
        check(MPI_Recv(&done, 1, MPI_INT, status.MPI_SOURCE, kTagDone, context_.run,
                       MPI_STATUS_IGNORE),
              "MPI_Recv");
        ++done_workers;
        continue;
      }
      if (!time_limited_ && context_.wall_time_s() > context_.setup.run.max_virtual_time_s) {
        time_limited_ = true;
        shared_.fetch_add(kStop, 1);
      }
      const std::int64_t applied = applied_now();
      const bool by_count = probe.every_iterations > 0 && applied / probe.every_iterations >
                                                              last_probed_ / probe.every_iterations;
      const bool by_time = context_.wall_time_s() >= context_.recorder.next_time_due_s();
      if (applied > last_probed_ && (by_count || by_time)) {
        probe_now();
      } else {
        std::this_thread::sleep_for(kPollInterval);
      }
    }
    probe_now();
    return time_limited_;
  }

  Matrix& models() { return models_; }

 private:
  std::int64_t applied_now() {
    return std::min(shared_.read(kApplied), context_.setup.run.iterations);
  }

  /// A consistent snapshot (every window locked in rank order), measured if it is new.
  void probe_now() {
    const auto start = EngineContext::Clock::now();
    const int n = context_.num_workers;
    for (int w = 0; w < n; ++w) shared_.lock_model(MpiContext::rank_of(w));
    for (int w = 0; w < n; ++w) shared_.read_model(MpiContext::rank_of(w), models_.col(w));
    const std::int64_t applied = applied_now();
    const std::int64_t gradients = shared_.read(kGradientEvaluations);
    for (int w = n - 1; w >= 0; --w) shared_.unlock_model(MpiContext::rank_of(w));
    context_.add_snapshot_time(seconds_since(start));
    if (applied == last_probed_) return;
    last_probed_ = applied;
    TraceRecorder& recorder = context_.recorder;
    if (context_.setup.run.probe.running_average_every > 0) {
      recorder.add_running_sample(applied, models_);
    }
    context_.record(applied, gradients, context_.setup.algorithm.step.at(applied), models_);
    context_.report_progress(applied);
    if (recorder.saw_non_finite()) shared_.fetch_add(kStop, 1);
  }

  MpiContext& context_;
  SharedState& shared_;
  Matrix models_;
  std::int64_t last_probed_ = -1;
  bool time_limited_ = false;
};

}  // namespace

void run_adpsgd(MpiContext& context) {
  const RunSetup& setup = context.setup;
  const int n = context.num_workers;
  const bool lead = context.coordinator();
  SharedState shared(context, context.initial_point());

  WorkerOutcome outcome;
  outcome.pair_counts.assign(setup.graph->num_edges(), 0);
  std::optional<Coordinator> coordinator;
  bool time_limited = false;
  if (lead) {
    coordinator.emplace(context, shared);
    coordinator->record_start();
  }
  check(MPI_Barrier(context.run), "MPI_Barrier");  // the windows are initialised, row 0 taken
  if (lead) {
    time_limited = coordinator->run();
  } else {
    outcome = run_worker(context, shared);
  }
  const std::int64_t gradient_evaluations = lead ? shared.read(kGradientEvaluations) : 0;
  context.collect_worker_times();

  // Everything on rank 0: pair counts (summed), the first divergence, the update logs.
  RunResult& result = context.result;
  result.pair_counts.assign(outcome.pair_counts.size(), 0);
  check(MPI_Reduce(outcome.pair_counts.data(), result.pair_counts.data(),
                   static_cast<int>(outcome.pair_counts.size()), MPI_INT64_T, MPI_SUM, kCoordinator,
                   context.run),
        "MPI_Reduce");
  std::int64_t diverged_at = outcome.diverged_at;
  check(MPI_Reduce(lead ? MPI_IN_PLACE : &outcome.diverged_at, &diverged_at, 1, MPI_INT64_T,
                   MPI_MIN, kCoordinator, context.run),
        "MPI_Reduce");
  const int log_bytes = static_cast<int>(outcome.log.size() * sizeof(TicketRecord));
  std::vector<int> bytes(lead ? static_cast<std::size_t>(n) + 1 : 0);
  check(MPI_Gather(&log_bytes, 1, MPI_INT, bytes.data(), 1, MPI_INT, kCoordinator, context.run),
        "MPI_Gather");
  std::vector<int> offsets(bytes.size(), 0);
  for (std::size_t r = 1; r < bytes.size(); ++r) offsets[r] = offsets[r - 1] + bytes[r - 1];
  std::vector<TicketRecord> all(
      lead ? static_cast<std::size_t>(offsets.back() + bytes.back()) / sizeof(TicketRecord) : 0);
  check(MPI_Gatherv(outcome.log.data(), log_bytes, MPI_BYTE, all.data(), bytes.data(),
                    offsets.data(), MPI_BYTE, kCoordinator, context.run),
        "MPI_Gatherv");
  if (!lead) return;

  std::sort(all.begin(), all.end(),
            [](const TicketRecord& a, const TicketRecord& b) { return a.ticket < b.ticket; });
  result.updates.clear();
  result.updates.reserve(all.size());
  for (const TicketRecord& record : all) {
    result.updates.push_back(UpdateRecord{.worker = record.worker, .staleness = record.staleness});
    ++result.worker_updates[static_cast<std::size_t>(record.worker)];
  }
  result.iterations = static_cast<std::int64_t>(all.size());
  result.gradient_evaluations = gradient_evaluations;
  result.virtual_time_s = context.wall_time_s();
  result.running_average_exact = false;
  const bool models_diverged = diverged_at != std::numeric_limits<std::int64_t>::max();
  if (models_diverged || context.recorder.saw_non_finite()) {
    result.status =
        divergence_status(models_diverged, models_diverged ? diverged_at : result.iterations);
  } else if (time_limited && result.iterations < setup.run.iterations) {
    result.status =
        time_limit_status(/*wall_clock=*/true, /*asynchronous=*/true, result.iterations);
  }
  result.final_models = std::move(coordinator->models());
}

}  // namespace dsgdlab::mpi
