// The parts of the mpi engine's interface that exist with or without MPI: option names, and
// (built without MPI) a run_mpi that refuses clearly.

#include "dsgdlab/algorithms/engine/mpi_engine.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

std::string_view to_string(MpiAveraging averaging) {
  return averaging == MpiAveraging::kOrdered ? "ordered" : "allreduce";
}

MpiAveraging parse_mpi_averaging(std::string_view name, std::string_view field) {
  if (name == "ordered") return MpiAveraging::kOrdered;
  if (name == "allreduce") return MpiAveraging::kAllreduce;
  throw invalid_option(field, name, "must be one of ordered, allreduce");
}

#ifdef DSGDLAB_HAVE_MPI

bool mpi_engine_available() { return true; }

#else

bool mpi_engine_available() { return false; }

std::optional<RunResult> run_mpi(const RunSetup& setup, const MpiEngineOptions& /*options*/,
                                 const ProgressCallback& /*progress*/) {
  setup.validate();
  throw InputError(
      "engine \"mpi\": this dsgdlab was built without MPI (run scripts/setup, which installs "
      "libopenmpi-dev and openmpi-bin, and rebuild; or choose engine sim or threads)");
}

#endif

}  // namespace dsgdlab
