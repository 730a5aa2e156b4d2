// Asynchronous algorithms on real threads: AD-PSGD with one lock per worker model and A-PSGD
// with a locked server. Iteration k is the k-th ticket of a global atomic counter, taken while
// the update's locks are held, so tickets order the applied updates; an update's staleness is
// its ticket minus the counter read with its snapshot (theory.md §2).

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "threads_context.hpp"

namespace dsgdlab::threads {
namespace {

/// One applied update as a worker saw it: its ticket, worker and staleness.
struct TicketRecord {
  std::int64_t ticket = 0;
  UpdateRecord update;
};

/// What every asynchronous run shares: the ticket counter, the stop flag, per-worker logs,
/// and probes on consistent snapshots.
class AsyncRun {
 public:
  AsyncRun(ThreadsContext& context, Index rows, Index cols)
      : context_(context),
        logs_(static_cast<std::size_t>(context.num_workers)),
        snapshot_(rows, cols) {
    for (auto& log : logs_)
      // Capped: a time limit may stop a run with a huge K long before K updates.
      log.reserve(static_cast<std::size_t>(std::min<std::int64_t>(
          context.setup.run.iterations / context.num_workers + 8, std::int64_t{1} << 16)));
  }

  std::atomic<std::int64_t> tickets{0};
  std::atomic<std::int64_t> gradient_evaluations{0};
  std::atomic<bool> stop{false};

  bool stopped() const { return stop.load(std::memory_order_relaxed); }

  /// Takes the next ticket; returns −1 (and stops the run) when K updates were applied.
  std::int64_t take_ticket() {
    const std::int64_t ticket = tickets.fetch_add(1);
    if (ticket >= context_.setup.run.iterations) {
      stop.store(true);
      return -1;
    }
    return ticket;
  }

  void log(int worker, std::int64_t ticket, std::int64_t snapshot_count) {
    logs_[static_cast<std::size_t>(worker)].push_back(
        {ticket, UpdateRecord{.worker = worker,
                              .staleness = static_cast<std::int32_t>(ticket - snapshot_count)}});
  }

  void mark_diverged(std::int64_t ticket) {
    std::int64_t expected = -1;
    diverged_at_.compare_exchange_strong(expected, ticket + 1);
    stop.store(true);
  }

  /// After ticket k was applied: a probe when the iteration rule or the time rule asks.
  /// `copy_state(snapshot)` must fill the snapshot while holding every lock; it returns the
  /// number of updates applied at that moment.
  template <typename CopyState>
  void maybe_probe(std::int64_t ticket, CopyState&& copy_state) {
    TraceRecorder& recorder = context_.recorder;
    const bool by_count = recorder.due_at_iteration(ticket + 1);
    const bool by_time = context_.wall_time_s() >= recorder.next_time_due_s();
    if (!by_count && !by_time) return;
    std::unique_lock probe_lock(probe_mutex_, std::try_to_lock);
    if (!probe_lock.owns_lock()) return;  // another worker is probing this moment
    probe(copy_state);
  }

  /// A probe now (the last row), whatever the rules say.
  template <typename CopyState>
  void final_probe(CopyState&& copy_state) {
    std::lock_guard probe_lock(probe_mutex_);
    probe(copy_state);
  }

  /// Merges the per-worker logs into RunResult::updates in ticket order.
  void collect(RunResult& result) {
    std::vector<TicketRecord> all;
    for (auto& log : logs_) all.insert(all.end(), log.begin(), log.end());
    std::sort(all.begin(), all.end(),
              [](const TicketRecord& a, const TicketRecord& b) { return a.ticket < b.ticket; });
    result.updates.clear();
    for (const auto& record : all) {
      result.updates.push_back(record.update);
      ++result.worker_updates[static_cast<std::size_t>(record.update.worker)];
    }
    result.iterations = static_cast<std::int64_t>(all.size());
    result.gradient_evaluations = gradient_evaluations.load();
    result.virtual_time_s = context_.wall_time_s();
    result.running_average_exact = false;
    const std::int64_t diverged_at = diverged_at_.load();
    if (diverged_at >= 0 || context_.recorder.saw_non_finite()) {
      result.status =
          divergence_status(diverged_at >= 0, diverged_at >= 0 ? diverged_at : result.iterations);
    } else if (time_limited_) {
      result.status =
          time_limit_status(/*wall_clock=*/true, /*asynchronous=*/true, result.iterations);
    }
  }

  /// Stops the run when the wall-time limit has passed.
  void check_time_limit() {
    if (context_.wall_time_s() > context_.setup.run.max_virtual_time_s) {
      time_limited_ = true;
      stop.store(true);
    }
  }

 private:
  template <typename CopyState>
  void probe(CopyState& copy_state) {
    const auto start = Clock::now();
    const std::int64_t applied = copy_state(snapshot_);
    context_.add_snapshot_time(seconds_since(start));
    TraceRecorder& recorder = context_.recorder;
    if (applied == last_probed_) return;
    last_probed_ = applied;
    if (context_.setup.run.probe.running_average_every > 0)
      recorder.add_running_sample(applied, snapshot_);
    context_.record(applied, gradient_evaluations.load(), context_.setup.algorithm.step.at(applied),
                    snapshot_);
    context_.report_progress(applied);
    if (recorder.saw_non_finite()) stop.store(true);
  }

  ThreadsContext& context_;
  std::vector<std::vector<TicketRecord>> logs_;
  std::mutex probe_mutex_;
  Matrix snapshot_;
  std::int64_t last_probed_ = -1;
  std::atomic<std::int64_t> diverged_at_{-1};
  std::atomic<bool> time_limited_{false};
};

}  // namespace

void run_adpsgd(ThreadsContext& context) {
  const RunSetup& setup = context.setup;
  const Problem& problem = context.problem;
  const Graph& graph = *setup.graph;
  const int n = context.num_workers;
  const int batch = setup.algorithm.batch_size;
  const std::int64_t iterations = setup.run.iterations;

  std::vector<int> side(static_cast<std::size_t>(n), 0);
  if (setup.algorithm.pairing == PairingMode::kBipartite) side = *bipartition(graph);
  const auto edges = graph.edges();

  Matrix models = context.initial_point().replicate(1, n);
  const auto locks = std::make_unique<std::mutex[]>(static_cast<std::size_t>(n));
  std::vector<std::vector<std::int64_t>> pair_counts(
      static_cast<std::size_t>(n), std::vector<std::int64_t>(graph.num_edges(), 0));
  AsyncRun run(context, context.dim, n);

  // Every lock in id order (the same global order as pairs use): no averaging is in flight.
  const auto copy_state = [&](Matrix& snapshot) {
    for (int i = 0; i < n; ++i) locks[static_cast<std::size_t>(i)].lock();
    snapshot = models;
    const std::int64_t applied = std::min(run.tickets.load(), iterations);
    for (int i = n - 1; i >= 0; --i) locks[static_cast<std::size_t>(i)].unlock();
    return applied;
  };

  run.final_probe(copy_state);  // row 0 (and R's sample at x_0)

  run_on_threads(
      n,
      [&](int i) {
        const auto me = static_cast<std::size_t>(i);
        RandomStream& sampling = context.sampling[me];
        RandomStream pairing(StreamKey{.seed = setup.run.seed,
                                       .run = setup.run.run_index,
                                       .worker = static_cast<std::uint64_t>(i),
                                       .purpose = StreamPurpose::kPairing});
        const auto neighbors = graph.neighbors(i);
        const bool initiates = !neighbors.empty() && side[me] == 0;
        Vector snapshot(context.dim);
        Vector gradient(context.dim);
        while (!run.stopped()) {
          std::int64_t snapshot_count = 0;
          {
            std::lock_guard lock(locks[me]);
            snapshot = models.col(i);
            snapshot_count = run.tickets.load();
          }
          const auto start = Clock::now();
          problem.stochastic_gradient(i, snapshot, batch, sampling, gradient);
          context.delay_compute(i, seconds_since(start));
          run.gradient_evaluations.fetch_add(1);

          int partner = -1;
          if (initiates) {
            partner = neighbors[static_cast<std::size_t>(pairing.uniform_index(neighbors.size()))];
            context.delay_message(i, partner);
          }
          std::int64_t ticket = -1;
          if (partner >= 0) {
            const auto first = static_cast<std::size_t>(std::min(i, partner));
            const auto second = static_cast<std::size_t>(std::max(i, partner));
            // The two locks in increasing id order, as every locker does: no cycle can form.
            std::lock_guard lock_first(locks[first]);
            std::lock_guard lock_second(locks[second]);
            ticket = run.take_ticket();
            if (ticket < 0) break;
            average_pair(models.col(i), models.col(partner));
            sgd_step(models.col(i), gradient, setup.algorithm.step.at(ticket));
            const auto edge = std::lower_bound(edges.begin(), edges.end(),
                                               std::pair<int, int>(static_cast<int>(first),
                                                                   static_cast<int>(second))) -
                              edges.begin();
            ++pair_counts[me][static_cast<std::size_t>(edge)];
            // x_i = (average now in x_partner) − ηg is finite only if that average is
            // (∞ − ∞ is NaN), so one check covers both models.
            if (!models.col(i).allFinite()) run.mark_diverged(ticket);
          } else {
            std::lock_guard lock(locks[me]);
            ticket = run.take_ticket();
            if (ticket < 0) break;
            sgd_step(models.col(i), gradient, setup.algorithm.step.at(ticket));
            if (!models.col(i).allFinite()) run.mark_diverged(ticket);
          }
          run.log(i, ticket, snapshot_count);
          if (ticket + 1 == iterations) run.stop.store(true);
          run.check_time_limit();
          run.maybe_probe(ticket, copy_state);
        }
      },
      [&] { run.stop.store(true); });

  run.final_probe(copy_state);
  RunResult& result = context.result;
  result.pair_counts.assign(graph.num_edges(), 0);
  for (const auto& counts : pair_counts) {
    for (std::size_t e = 0; e < counts.size(); ++e) result.pair_counts[e] += counts[e];
  }
  run.collect(result);
  result.final_models = std::move(models);
}

void run_apsgd(ThreadsContext& context) {
  const RunSetup& setup = context.setup;
  const Problem& problem = context.problem;
  const int n = context.num_workers;
  const int batch = setup.algorithm.batch_size;
  const std::int64_t iterations = setup.run.iterations;
  const CostModelOptions& cost = setup.cost;

  Vector server = context.initial_point();
  std::mutex server_lock;
  std::mutex server_link;  // the server's one link: held for b/β_s per transfer
  AsyncRun run(context, context.dim, 1);
  const auto transfer = [&] {
    {
      std::lock_guard link(server_link);
      ThreadsContext::sleep_for(context.model_bytes / cost.server_bandwidth_bytes_per_s);
    }
    ThreadsContext::sleep_for(cost.server_latency_s);
  };
  const auto copy_state = [&](Matrix& snapshot) {
    std::lock_guard lock(server_lock);
    snapshot = server;
    return std::min(run.tickets.load(), iterations);
  };

  run.final_probe(copy_state);  // row 0 (and R's sample at x_0)

  run_on_threads(
      n,
      [&](int i) {
        RandomStream& sampling = context.sampling[static_cast<std::size_t>(i)];
        Vector pulled(context.dim);
        Vector gradient(context.dim);
        while (!run.stopped()) {
          std::int64_t snapshot_count = 0;
          {
            std::lock_guard lock(server_lock);
            pulled = server;
            snapshot_count = run.tickets.load();
          }
          transfer();  // pull
          const auto start = Clock::now();
          problem.stochastic_gradient(i, pulled, batch, sampling, gradient);
          context.delay_compute(i, seconds_since(start));
          run.gradient_evaluations.fetch_add(1);
          transfer();  // push
          std::int64_t ticket = -1;
          {
            std::lock_guard lock(server_lock);
            ticket = run.take_ticket();
            if (ticket < 0) break;
            sgd_step(server, gradient, setup.algorithm.step.at(ticket));
            if (!server.allFinite()) run.mark_diverged(ticket);
          }
          run.log(i, ticket, snapshot_count);
          if (ticket + 1 == iterations) run.stop.store(true);
          run.check_time_limit();
          run.maybe_probe(ticket, copy_state);
        }
      },
      [&] { run.stop.store(true); });

  run.final_probe(copy_state);
  run.collect(context.result);
  context.result.final_models = server.replicate(1, n);
}

}  // namespace dsgdlab::threads
