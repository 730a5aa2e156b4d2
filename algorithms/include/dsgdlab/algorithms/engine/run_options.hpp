#pragma once

/// What one run executes and what it returns, independent of the engine.

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/algorithm_options.hpp"
#include "dsgdlab/algorithms/engine/checkpoint_probe.hpp"
#include "dsgdlab/algorithms/engine/cost_model_options.hpp"
#include "dsgdlab/algorithms/topology/graph.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/core/status.hpp"
#include "dsgdlab/core/types.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

/// When probes record a trace row (theory.md §1 quantities at x̄). Probe work costs no
/// virtual time; its wall time is measured separately.
struct ProbeOptions {
  /// Record a row every this many iterations (0: never by count). Default 10.
  std::int64_t every_iterations = 10;
  /// Record a row whenever virtual time crosses a multiple of this (0: never by time).
  double every_virtual_time_s = 0.0;
  /// ‖∇f(x̄_k)‖² enters R(K) = (1/K) Σ_{k<K} ‖∇f(x̄_k)‖² at every this-many-th iteration
  /// k (those with k mod m = 0). 1 (default) is the exact running average the theorems bound;
  /// m > 1 averages the subsample, an estimate (summary.json says which); 0 turns it off (R is
  /// NaN), for benchmarks. Each measurement costs one full gradient ∇f(x̄) = n local gradients.
  std::int64_t running_average_every = 1;

  void validate() const;
};

/// Engine-independent run controls.
struct RunOptions {
  /// K: iterations to run (rounds for synchronous algorithms, applied updates of all workers
  /// for asynchronous ones). ≥ 1.
  std::int64_t iterations = 1000;
  /// Stop early (status time_limit) when virtual time exceeds this. Default +∞.
  double max_virtual_time_s = std::numeric_limits<double>::infinity();
  /// Seed of every random stream of the run (theory and docs/reproducibility.md).
  std::uint64_t seed = 0;
  /// Index of the run inside its suite (the `run` component of stream keys).
  std::uint64_t run_index = 0;
  ProbeOptions probe;

  void validate() const;
};

/// Everything an engine needs. The problem is borrowed and must outlive the run.
struct RunSetup {
  const Problem* problem = nullptr;
  AlgorithmOptions algorithm;
  /// Communication graph (dpsgd, adpsgd); ignored otherwise.
  std::optional<Graph> graph;
  /// Mixing matrix W (dpsgd), validated symmetric doubly stochastic.
  SparseMatrix mixing;
  /// Clusters for hsgd: levels C_1..C_{M−1} (C_M = all is implicit); ignored otherwise.
  HierarchicalGrouping grouping;
  CostModelOptions cost;
  RunOptions run;
  /// x_0 given to every worker (and the server); empty means problem->initial_point().
  Vector initial_point;
  /// Extra per-checkpoint measurements (columns after the built-in ones), or null. The probe
  /// keeps state, so a setup that carries one serves one run at a time.
  std::shared_ptr<CheckpointProbe> checkpoint_probe;

  /// Cross-checks the pieces (worker counts, graph present when needed, bipartite for
  /// pairing = bipartite, grouping levels vs periods, n = 1 for sgd); throws InputError.
  void validate() const;
};

/// One applied update of an asynchronous algorithm.
struct UpdateRecord {
  std::int32_t worker = 0;
  /// τ = (updates applied before this one) − (updates applied when its snapshot was read).
  std::int32_t staleness = 0;
};

/// The trace: one row per checkpoint.
struct TraceRow {
  std::int64_t iteration = 0;             ///< k (rounds, or applied updates)
  std::int64_t gradient_evaluations = 0;  ///< stochastic gradients computed so far
  double virtual_time_s = 0.0;
  double wall_time_s = 0.0;               ///< excluding probe time
  double step_size = 0.0;                 ///< η_k at this iteration
  double loss = 0.0;                      ///< f(x̄_k)
  double grad_norm_sq = 0.0;              ///< ‖∇f(x̄_k)‖²
  double running_avg_grad_norm_sq = 0.0;  ///< R(k)
  double consensus = 0.0;                 ///< Ξ_k = (1/n) Σ_i ‖x_i − x̄‖²
  /// The checkpoint probe's values, one per RunResult::extra_trace_columns entry.
  std::vector<double> extra;
};

/// Where a worker's wall time went on a real-time engine, averaged over the workers, seconds.
struct WorkerTimeBreakdown {
  /// Stochastic gradients and local steps (injected compute delays included).
  double compute_s = 0.0;
  /// Averaging, gossip, window accesses, server round trips: waiting for slower peers and
  /// injected network delays included.
  double communication_s = 0.0;
  /// The engine's own agreement between rounds (a barrier, the mpi engine's round flags) and
  /// the gathers of probe snapshots.
  double coordination_s = 0.0;
};

struct RunResult {
  Status status;
  std::vector<TraceRow> trace;
  /// Names of TraceRow::extra (the setup's checkpoint probe's columns; empty without one).
  std::vector<std::string> extra_trace_columns;
  /// Asynchronous algorithms: every applied update in order (empty for synchronous ones).
  std::vector<UpdateRecord> updates;
  /// adpsgd: pair_counts[e] = averagings over graph edge e (Graph::edges() order).
  std::vector<std::int64_t> pair_counts;
  /// Updates applied by each worker (asynchronous) or rounds × 1 (synchronous).
  std::vector<std::int64_t> worker_updates;
  std::int64_t iterations = 0;
  std::int64_t gradient_evaluations = 0;
  double virtual_time_s = 0.0;
  double wall_time_s = 0.0;   ///< total minus probe time
  double probe_time_s = 0.0;  ///< wall time spent in probes
  /// Final models (d × n; A-PSGD: every column is the server model).
  Matrix final_models;
  /// True when running_avg_grad_norm_sq averages ‖∇f(x̄_k)‖² over the iterations k the
  /// probe options ask for (sim, and synchronous algorithms on threads); false when it is an
  /// estimate from the probe snapshots (asynchronous algorithms on threads).
  bool running_average_exact = true;
  /// mpi engine: where the workers' time went (empty on sim, whose clock is virtual).
  std::optional<WorkerTimeBreakdown> time_breakdown;
};

/// Column names of trace.csv: every TraceRow field except wall_time_s and extra, in TraceRow
/// order; the extra columns follow them.
/// Everything in trace.csv is a deterministic function of the configuration, so the same
/// configuration twice gives a byte-identical trace.csv; wall time, which is not, goes to
/// timing.csv.
const std::vector<std::string>& trace_columns();
/// Column names of timing.csv: iteration, wall_time_s (one row per trace row).
const std::vector<std::string>& timing_columns();

}  // namespace dsgdlab
