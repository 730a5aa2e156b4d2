#include "dsgdlab/algorithms/engine/sim_engine.hpp"

#include "sim_context.hpp"

namespace dsgdlab {

RunResult run_simulation(const RunSetup& setup, const ProgressCallback& progress) {
  setup.validate();
  sim::SimContext context(setup, progress);
  switch (setup.algorithm.kind) {
    case AlgorithmKind::kAdpsgd: sim::simulate_adpsgd(context); break;
    case AlgorithmKind::kApsgd: sim::simulate_apsgd(context); break;
    default: sim::simulate_rounds(context); break;
  }
  return context.finish();
}

}  // namespace dsgdlab
