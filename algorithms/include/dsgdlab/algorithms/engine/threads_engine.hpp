#pragma once

/// The `threads` engine (design.md): one real thread per worker, real locks and real
/// asynchrony, wall-clock time, running the same update rules as `sim`
/// (algorithms/update_rules.hpp).
///
/// - Synchronous algorithms run in rounds separated by a barrier; the averaging, the D-PSGD
///   buffer swap and the probes run in the barrier's completion step, in the same order as in
///   `sim`, so the models and the trace's measurements equal `sim`'s bit for bit for the same
///   seed (only the times differ).
/// - AD-PSGD: every worker model has a lock. Random pairing takes the two workers' locks in
///   increasing id order (no deadlock); bipartite pairing lets only the active side initiate,
///   so a passive worker only ever takes its own lock. A-PSGD: the server has its own lock.
/// - Staleness: a global atomic update counter; an update's τ is its ticket (updates applied
///   before it) minus the counter read with its snapshot (theory.md §2).
/// - Heterogeneity is injected in wall time from the same CostModelOptions as `sim`: after a
///   gradient that took t seconds, worker i sleeps (s_i·Z − 1)·t (its computation is s_i·Z
///   times slower), where Z is drawn as in `sim` with compute_time_s taken as the unit;
///   messages sleep α_uv + b/β_uv; the parameter server's link is a mutex held for b/β_s per
///   transfer, then α_s.
/// - Probes take a consistent snapshot: synchronous algorithms between rounds; asynchronous
///   ones by taking every worker's lock in id order, copying the models and releasing the
///   locks, then measuring on the copy while the workers go on. Probe time is excluded from
///   the reported wall time and throughput. On this engine R(K) is estimated from the probes
///   (RunResult::running_average_exact is false for asynchronous algorithms).
/// - The trace's virtual_time_s is the wall time (probe time excluded).
/// - Exceptions thrown in a worker thread stop the run and are rethrown after every thread
///   has joined.

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/algorithms/engine/sim_engine.hpp"

namespace dsgdlab {

/// Runs `setup` on real threads (validated first; InputError on bad input).
RunResult run_threads(const RunSetup& setup, const ProgressCallback& progress = {});

}  // namespace dsgdlab
