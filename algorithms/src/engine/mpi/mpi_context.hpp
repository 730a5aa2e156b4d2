#pragma once

// Internal to the mpi engine (compiled only with MPI): the run's communicators and roles, and
// the collectives every algorithm's run shares.

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "../wall_clock_context.hpp"
#include "dsgdlab/algorithms/engine/mpi_engine.hpp"

namespace dsgdlab::mpi {

/// Rank 0 of the run's communicator: records the trace; A-PSGD's server.
inline constexpr int kCoordinator = 0;

/// Message tags of the point-to-point protocols (A-PSGD, end of AD-PSGD).
enum Tag : int {
  kTagModel = 1,     ///< server → worker: a model to compute on (pull)
  kTagGradient = 2,  ///< worker → server: a gradient (push)
  kTagStop = 3,      ///< server → worker: the run is over
  kTagDone = 4,      ///< worker → coordinator: this worker has left its loop
};

class MpiContext : public WallClockContext {
 public:
  /// `run` holds ranks 0..n (coordinator and workers); MpiContext splits off the workers'.
  MpiContext(const RunSetup& setup, const MpiEngineOptions& options,
             const ProgressCallback& progress, MPI_Comm run);
  MpiContext(const MpiContext&) = delete;
  MpiContext& operator=(const MpiContext&) = delete;
  ~MpiContext();

  const MpiEngineOptions options;
  /// Coordinator and workers (rank i + 1 is worker i).
  const MPI_Comm run;
  /// The workers only, rank i is worker i (MPI_COMM_NULL on the coordinator).
  MPI_Comm workers = MPI_COMM_NULL;

  bool coordinator() const { return rank_ == kCoordinator; }
  /// This rank's worker id, −1 on the coordinator.
  int worker() const { return rank_ - 1; }
  static int rank_of(int worker) { return worker + 1; }

  /// This worker's time so far (WorkerTimeBreakdown); the algorithms add to it.
  WorkerTimeBreakdown worker_times;
  /// Collective on `run`: averages worker_times over the workers into
  /// result.time_breakdown on the coordinator.
  void collect_worker_times();

  /// Collective on `run`: the workers' models into `models` (d × n, column i = worker i) on
  /// the coordinator; `mine` is ignored there. Probe (snapshot) time on the coordinator,
  /// coordination time on the workers.
  void gather_models(ConstVectorRef mine, Matrix& models);

 private:
  int rank_ = 0;
  // MPI_Gatherv's layout on the coordinator: nothing from itself, d values from each worker.
  std::vector<int> gather_counts_;
  std::vector<int> gather_offsets_;
};

/// Throws std::runtime_error naming the MPI call when `code` is not MPI_SUCCESS (the engine sets
/// MPI_ERRORS_RETURN on its communicators, so failures come back as codes).
void check(int code, const char* call);

/// Prints `what` for this rank and aborts the whole job: an exception inside a running rank
/// cannot reach the others, which would wait forever in their next collective.
[[noreturn]] void abort_job(const std::string& what);

}  // namespace dsgdlab::mpi
