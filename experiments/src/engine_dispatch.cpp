#include "engine_dispatch.hpp"

#include "dsgdlab/algorithms/engine/mpi_engine.hpp"
#include "dsgdlab/algorithms/engine/threads_engine.hpp"

namespace dsgdlab {

std::optional<RunResult> run_on_engine(const RunConfig& config, const RunSetup& setup,
                                       const ProgressCallback& progress) {
  // validate_run_config admits only the engines below.
  if (config.run.engine == "mpi") {
    return run_mpi(setup, {.averaging = config.run.mpi_averaging}, progress);
  }
  if (config.run.engine == "threads") return run_threads(setup, progress);
  return run_simulation(setup, progress);
}

}  // namespace dsgdlab
