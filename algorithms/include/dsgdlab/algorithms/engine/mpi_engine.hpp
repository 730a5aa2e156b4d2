#pragma once

/// The `mpi` engine (design.md): one MPI rank per worker, across processes and machines, running
/// the same update rules as `sim` and `threads` (algorithms/update_rules.hpp). A run with n
/// workers uses ranks 0..n of MPI_COMM_WORLD: rank 0 is the coordinator, rank i + 1 is worker i;
/// further ranks sit the run out. Every rank of MPI_COMM_WORLD calls run_mpi with the same setup.
///
/// - Rank 0 records the trace (it gathers the models for each probe), reports progress, and
///   returns the RunResult; it is A-PSGD's parameter server. Workers return std::nullopt.
/// - Synchronous algorithms run in rounds. AllReduce-SGD, local SGD and H-SGD average within
///   communicators split per level and per cluster (MPI_Comm_split, ranks in member order):
///   MpiAveraging::kOrdered gathers the cluster's models (MPI_Allgather) and averages them with
///   average_members, in member order, so every bit equals `sim`; kAllreduce sums with
///   MPI_Allreduce (each model sent and received about twice instead of |C| times; the sum's
///   order, hence its rounding, is Open MPI's). D-PSGD exchanges models with its graph
///   neighbours (MPI_Neighbor_allgatherv on a distributed graph communicator) and mixes them
///   with mix_worker in the order of W's column, bit for bit as `sim`.
/// - AD-PSGD: every worker's model lives in an MPI window. A worker averages with a peer by
///   locking both windows exclusively in increasing rank order (no deadlock, as the threads
///   engine's per-worker locks), reading both models, applying average_pair and sgd_step, and
///   writing both back. Bipartite pairing lets only the active side initiate. A-PSGD: rank 0
///   serves pulls and pushes in arrival order.
/// - Staleness is measured as on `threads`: an update's τ is its ticket (updates applied before
///   it, from an atomic counter on rank 0: MPI_Fetch_and_op; A-PSGD's server counts itself)
///   minus the count read with its snapshot (theory.md §2).
/// - Heterogeneity is injected in wall time as on `threads` (WallClockContext): slow workers
///   sleep after each gradient; configured links add α + b/β per message on top of the real
///   network's time. The trace's virtual_time_s is rank 0's wall time, probes excluded.
/// - Probes: synchronous algorithms gather the models between rounds (also every iteration
///   that R(K) samples, so the default running_average_every = 1 gathers every round);
///   AD-PSGD's coordinator locks every window in rank order, copies the models and the counter
///   and releases them (a consistent snapshot, as on `threads`); A-PSGD's server probes its own
///   state after the update that makes a row due (exact, like `sim`).
/// - An exception inside a running rank cannot be rethrown on the others; the rank prints it
///   and calls MPI_Abort, so the job ends instead of hanging. Bad input is refused on every rank
///   before any communication.

#include <optional>
#include <string_view>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/algorithms/engine/sim_engine.hpp"

namespace dsgdlab {

/// How the mpi engine averages a cluster (AllReduce-SGD, local SGD, H-SGD).
enum class MpiAveraging {
  kOrdered,    ///< "ordered": MPI_Allgather + average_members; bitwise equal to `sim`
  kAllreduce,  ///< "allreduce": MPI_Allreduce(MPI_SUM) / |C|; Open MPI's summation order
};
std::string_view to_string(MpiAveraging averaging);
MpiAveraging parse_mpi_averaging(std::string_view name,
                                 std::string_view field = "run.mpi_averaging");

struct MpiEngineOptions {
  MpiAveraging averaging = MpiAveraging::kOrdered;
};

/// True when this dsgdlab was built with MPI (-DDSGDLAB_WITH_MPI, Open MPI found).
bool mpi_engine_available();

/// Ranks a run of `num_workers` workers needs: one per worker plus the coordinator.
constexpr int mpi_ranks_needed(int num_workers) { return num_workers + 1; }

/// Runs `setup` with one rank per worker; call on every rank of MPI_COMM_WORLD (MPI already
/// initialised by the caller). Returns the result on rank 0 and std::nullopt elsewhere.
/// InputError (on every rank, before any communication) on bad input, when MPI is not
/// initialised, when the job has fewer than mpi_ranks_needed(n) ranks, or when built
/// without MPI.
std::optional<RunResult> run_mpi(const RunSetup& setup, const MpiEngineOptions& options = {},
                                 const ProgressCallback& progress = {});

}  // namespace dsgdlab
