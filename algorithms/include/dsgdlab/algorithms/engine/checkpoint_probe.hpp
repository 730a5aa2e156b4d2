#pragma once

/// Extra measurements at trace checkpoints, beyond the built-in columns of TraceRow.
///
/// The engines live below the estimators (algorithms → analysis), so they cannot call them
/// directly; instead a run's setup may carry a CheckpointProbe (analysis provides one that
/// measures heterogeneity, group divergences, the consensus split and σ²) and the trace
/// recorder calls it at every checkpoint, after the built-in columns. Its values go to
/// TraceRow::extra and its column names to RunResult::extra_trace_columns. Like the built-in
/// probes it costs no virtual time and its wall time counts as probe time.

#include <cstdint>
#include <span>
#include <string>

#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// What a checkpoint probe sees: the state after `iteration` iterations.
struct CheckpointView {
  std::int64_t iteration = 0;
  /// The worker models, d × n (one column for a parameter server).
  ConstMatrixRef models;
  /// x̄ = (1/n) Σ_i x_i.
  ConstVectorRef mean;
  /// Updates applied by each worker so far, when the engine tracks them live (sim); all
  /// zeros (or empty) otherwise.
  std::span<const std::int64_t> worker_updates;
};

class CheckpointProbe {
 public:
  virtual ~CheckpointProbe() = default;
  /// The names of the trace columns this probe fills, fixed for the probe's lifetime.
  virtual std::span<const std::string> columns() const = 0;
  /// Writes one value per column into `values` (columns().size() entries). Called by one
  /// thread at a time, in checkpoint order; may keep state (a random stream, statistics), so
  /// a probe serves one run at a time.
  virtual void measure(const CheckpointView& view, std::span<double> values) = 0;
};

}  // namespace dsgdlab
