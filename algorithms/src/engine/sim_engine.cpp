#include "dsgdlab/algorithms/engine/sim_engine.hpp"

#include <stdexcept>

namespace dsgdlab {

RunResult run_simulation(const RunSetup& setup, const ProgressCallback& /*progress*/) {
  setup.validate();
  throw std::logic_error("run_simulation: the sim engine is not implemented yet");
}

}  // namespace dsgdlab
