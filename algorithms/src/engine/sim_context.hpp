#pragma once

// Internal to the sim engine.

#include "engine_context.hpp"

namespace dsgdlab::sim {

class SimContext : public EngineContext {
 public:
  using EngineContext::EngineContext;

  /// Records a trace row at virtual time `virtual_time_s` for the current state.
  void record(std::int64_t iteration, double virtual_time_s, double step_size,
              ConstMatrixRef models) {
    record_row(iteration, result.gradient_evaluations, virtual_time_s, wall_time_s(), step_size,
               models);
  }
};

/// AllReduce-SGD, local SGD, H-SGD (two- and multi-level), SGD and D-PSGD: synchronous rounds.
void simulate_rounds(SimContext& context);
/// AD-PSGD (random or bipartite pairing): discrete events.
void simulate_adpsgd(SimContext& context);
/// A-PSGD: discrete events around one parameter server.
void simulate_apsgd(SimContext& context);

}  // namespace dsgdlab::sim
