#pragma once

/// The deterministic discrete-event engine `sim` (design.md): every algorithm of theory.md §2
/// in virtual time under the cost model of §3. A run is a pure function of its RunSetup:
/// the same setup gives the same RunResult bit for bit (wall times aside).

#include <cstdint>
#include <functional>

#include "dsgdlab/algorithms/engine/run_options.hpp"

namespace dsgdlab {

/// Called now and then during a run with (iterations done, iterations planned); for progress
/// lines. Must be cheap.
using ProgressCallback = std::function<void(std::int64_t done, std::int64_t total)>;

/// Runs `setup` (validated first; InputError on bad input). Divergence (a non-finite model or
/// loss) ends the run with status diverged and keeps the trace so far.
RunResult run_simulation(const RunSetup& setup, const ProgressCallback& progress = {});

}  // namespace dsgdlab
