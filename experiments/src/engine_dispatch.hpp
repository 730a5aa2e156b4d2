#pragma once

// Private to dsgdlab::experiments: one place that maps run.engine to an engine.

#include <optional>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/experiments/run_config.hpp"

namespace dsgdlab {

/// Runs `setup` on the engine `config` names. Engine "mpi" is collective: every rank of the MPI
/// job calls it with the same setup (MPI initialised by MpiWorld), and the result comes back on
/// rank 0 only (std::nullopt on the other ranks). The other engines always return a result.
std::optional<RunResult> run_on_engine(const RunConfig& config, const RunSetup& setup,
                                       const ProgressCallback& progress = {});

}  // namespace dsgdlab
