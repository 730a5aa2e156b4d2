#include "dsgdlab/algorithms/engine/run_options.hpp"

#include <cmath>
#include <string>

#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

void ProbeOptions::validate() const {
  if (every_iterations < 0) {
    throw invalid_option("probe.every_iterations", every_iterations, "must be at least 0");
  }
  if (!(every_virtual_time_s >= 0.0) || !std::isfinite(every_virtual_time_s)) {
    throw invalid_option("probe.every_virtual_time_s", every_virtual_time_s,
                         "must be a non-negative finite number");
  }
  if (running_average_every < 0) {
    throw invalid_option("probe.running_average_every", running_average_every,
                         "must be at least 0 (0 turns the running average off)");
  }
}

void RunOptions::validate() const {
  if (iterations < 1) throw invalid_option("run.iterations", iterations, "must be at least 1");
  if (!(max_virtual_time_s > 0.0)) {
    throw invalid_option("run.max_virtual_time_s", max_virtual_time_s, "must be positive");
  }
  probe.validate();
}

void RunSetup::validate() const {
  if (problem == nullptr) throw InputError("run setup has no problem");
  algorithm.validate();
  run.validate();
  const int n = problem->num_workers();
  cost.validate(n);
  const AlgorithmKind kind = algorithm.kind;
  if (kind == AlgorithmKind::kSgd && n != 1) {
    throw InputError("algorithm.name \"sgd\" runs one worker, but the problem has " +
                     std::to_string(n) + " workers; use allreduce_sgd or local_sgd for n > 1");
  }
  if (initial_point.size() != 0 && initial_point.size() != problem->dim()) {
    throw InputError("initial point has " + std::to_string(initial_point.size()) +
                     " entries but the problem's dimension is " + std::to_string(problem->dim()));
  }
  if (kind == AlgorithmKind::kDpsgd || kind == AlgorithmKind::kAdpsgd) {
    if (!graph) {
      throw InputError("algorithm \"" + std::string(to_string(kind)) + "\" needs a topology");
    }
    if (graph->num_vertices() != n) {
      throw InputError("topology has " + std::to_string(graph->num_vertices()) +
                       " workers but the problem has " + std::to_string(n));
    }
    require_connected(*graph);
  }
  if (kind == AlgorithmKind::kDpsgd) {
    if (mixing.rows() != n || mixing.cols() != n) {
      throw InputError("mixing matrix is " + std::to_string(mixing.rows()) + "x" +
                       std::to_string(mixing.cols()) + " but there are " + std::to_string(n) +
                       " workers");
    }
    validate_mixing_matrix(mixing);
  }
  if (kind == AlgorithmKind::kAdpsgd && algorithm.pairing == PairingMode::kBipartite) {
    require_bipartite(*graph);
  }
  if (kind == AlgorithmKind::kHsgd) {
    grouping.validate(n);
    const auto periods = algorithm.averaging_periods();
    if (static_cast<int>(periods.size()) != grouping.num_levels()) {
      throw InputError("hsgd has " + std::to_string(periods.size()) +
                       " averaging periods but the grouping has " +
                       std::to_string(grouping.num_levels()) +
                       " levels (one period per level, the last for all workers)");
    }
  }
}

const std::vector<std::string>& trace_columns() {
  static const std::vector<std::string> kColumns{
      "iteration", "gradient_evaluations", "virtual_time_s",           "step_size",
      "loss",      "grad_norm_sq",         "running_avg_grad_norm_sq", "consensus"};
  return kColumns;
}

const std::vector<std::string>& timing_columns() {
  static const std::vector<std::string> kColumns{"iteration", "wall_time_s"};
  return kColumns;
}

}  // namespace dsgdlab
