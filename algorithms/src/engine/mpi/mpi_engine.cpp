#include "dsgdlab/algorithms/engine/mpi_engine.hpp"

#include <string>

#include "dsgdlab/core/errors.hpp"
#include "mpi_algorithms.hpp"

namespace dsgdlab {

std::optional<RunResult> run_mpi(const RunSetup& setup, const MpiEngineOptions& options,
                                 const ProgressCallback& progress) {
  setup.validate();
  const int needed = mpi_ranks_needed(setup.problem->num_workers());
  const std::string launch = "mpirun -np " + std::to_string(needed);
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised == 0) {
    throw InputError(
        "engine \"mpi\" runs one MPI rank per worker plus a coordinator (rank 0): "
        "start it with " +
        launch + " (this process was not started by mpirun)");
  }
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < needed) {
    throw InputError("engine \"mpi\": " + std::to_string(setup.problem->num_workers()) +
                     " workers need " + std::to_string(needed) +
                     " MPI ranks (one per worker plus the coordinator, rank 0), but this job has " +
                     std::to_string(size) + ": start it with " + launch + " or more");
  }
  // Ranks beyond n sit this run out (a suite's runs may have fewer workers than the job).
  MPI_Comm run = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, rank < needed ? 0 : MPI_UNDEFINED, rank, &run);
  if (run == MPI_COMM_NULL) return std::nullopt;
  MPI_Comm_set_errhandler(run, MPI_ERRORS_RETURN);

  std::optional<RunResult> result;
  try {
    mpi::MpiContext context(setup, options, progress, run);
    switch (setup.algorithm.kind) {
      case AlgorithmKind::kAdpsgd: mpi::run_adpsgd(context); break;
      case AlgorithmKind::kApsgd: mpi::run_apsgd(context); break;
      default: mpi::run_rounds(context); break;
    }
    if (context.coordinator()) result = context.finish();
  } catch (const std::exception& error) {
    mpi::abort_job(error.what());
  }
  MPI_Comm_free(&run);
  return result;
}

}  // namespace dsgdlab
