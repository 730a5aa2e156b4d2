#pragma once

/// Factories that turn a RunConfig into the objects of a run: the problem (with its data set
/// and partition), the communication graph and mixing matrix, the H-SGD grouping, and the
/// RunSetup an engine executes. Every error is an InputError naming the configuration file,
/// line and key (as in run_config.hpp), thrown before anything runs.
///
/// Random streams (all with run = 0; docs/configuration.md lists them):
/// | what                        | StreamKey                                                   |
/// |-----------------------------|-------------------------------------------------------------|
/// | Gaussian-mixture data       | {seed, 0, kNoWorker, kDataGeneration}                       |
/// | partition                   | {seed, 0, kNoWorker, kPartition}                            |
/// | feature shift               | {seed, 0, kFeatureShiftStreamWorker, kProblemInstance}      |
/// | regression targets          | {seed, 0, kRegressionTargetStreamWorker, kProblemInstance}  |
/// | quadratic / nonconvex       | DiagonalQuadraticOptions::seed = seed (its own keys)        |
/// | mlp initial weights         | MlpOptions::init_seed = seed ({seed, 0, kNoWorker,
/// kInitialModel}) | | random graphs               | TopologyOptions::seed = seed ({seed, 0,
/// kNoWorker, kTopology}) | | random / nested groupings   | {seed, 0, kNoWorker, kGrouping} | where
/// seed = run.seed. The two kProblemInstance streams of the data pipeline use worker components far
/// above any worker id, so they never coincide with the per-worker instance streams of the diagonal
/// quadratics (worker = i) or with each other.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/algorithms/topology/graph.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/analysis/trajectory_probe.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/experiments/run_config.hpp"
#include "dsgdlab/problems/dataset.hpp"
#include "dsgdlab/problems/problem.hpp"

namespace dsgdlab {

/// Worker component of the feature-shift stream: 2⁶⁴ − 2.
inline constexpr std::uint64_t kFeatureShiftStreamWorker = StreamKey::kNoWorker - 1;
/// Worker component of the regression-target stream: 2⁶⁴ − 3.
inline constexpr std::uint64_t kRegressionTargetStreamWorker = StreamKey::kNoWorker - 2;

/// The data of a data-driven problem: the samples (after feature shift and regression
/// targets) and which worker holds which.
struct BuiltData {
  std::shared_ptr<const Dataset> dataset;
  Partition partition;
};

/// Generates or reads the data set, partitions it over run.workers workers, applies the feature
/// shift (when data.feature_shift or data.feature_scale_spread is non-zero) and, for
/// robust_regression, draws the targets. Requires a data-driven problem.
BuiltData build_data(const RunConfig& config);

/// The problem the configuration describes, with run.workers workers.
std::unique_ptr<Problem> build_problem(const RunConfig& config);

/// The communication graph and, for dpsgd, the mixing matrix (validated symmetric, doubly
/// stochastic, connected). With mixing = "file" the graph is the matrix's support.
struct BuiltTopology {
  Graph graph;
  /// Empty (0 × 0) unless the algorithm is dpsgd.
  SparseMatrix mixing;
  /// "ring: 8 workers, 8 edges, degree 2; mixing metropolis_hastings".
  std::string description;
};
/// Requires an algorithm that uses a topology (dpsgd, adpsgd).
BuiltTopology build_topology(const RunConfig& config);

/// The H-SGD hierarchy: two-level (make_grouping, one stored level) or nested. Label-based
/// schemes take the label counts of `problem`'s partition (a data-driven problem). Requires
/// algorithm hsgd.
HierarchicalGrouping build_grouping(const RunConfig& config, const Problem& problem);

/// "random, 4 groups of sizes 2, 2, 2, 2" or "nested (random), cluster sizes 2, 8".
std::string describe_grouping(const RunConfig& config, const HierarchicalGrouping& grouping);

/// "hsgd: local period 2, global period 8; step 0.05 (constant); batch 8".
std::string describe_algorithm(const AlgorithmOptions& algorithm);

/// Everything a run needs. Move-only: setup.problem points at *problem, which the BuiltRun
/// owns (its address survives moves).
struct BuiltRun {
  RunConfig config;
  std::unique_ptr<Problem> problem;
  RunSetup setup;
  std::string algorithm_description;
  /// Empty when the algorithm uses no topology / grouping.
  std::string topology_description;
  std::string grouping_description;
  /// The estimators measured at every checkpoint (also setup.checkpoint_probe); it keeps the
  /// σ² statistics that summary.json reports. A BuiltRun serves one run.
  std::shared_ptr<TrajectoryProbe> trajectory_probe;

  BuiltRun() = default;
  BuiltRun(BuiltRun&&) = default;
  BuiltRun& operator=(BuiltRun&&) = default;
  BuiltRun(const BuiltRun&) = delete;
  BuiltRun& operator=(const BuiltRun&) = delete;
};

/// Validates the configuration, builds every piece and validates the RunSetup, so that an
/// engine given `setup` cannot fail on input. Also checks that a compute-time trace file can
/// be read.
BuiltRun build_run(const RunConfig& config);

}  // namespace dsgdlab
