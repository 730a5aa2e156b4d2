#pragma once

/// The configuration of one run: the TOML file that `dsgdlab run CONFIG` reads (format and
/// every key with its default in docs/configuration.md), parsed and validated.
///
/// A configuration is stored in the C++ option structs of the components it configures, so
/// that their validate() methods apply unchanged. Fields that the [run] table decides (the
/// number of workers and every seed) are not repeated inside the component options: those
/// fields keep their defaults here and the builder (run_builder.hpp) sets them.
///
/// Parsing is strict: unknown tables and keys, wrong types, bad values, and keys that the
/// chosen problem / data source / algorithm / scheme does not use are InputErrors that name the
/// file, the line, the key, the value and the rule, e.g.
///   run.toml:12: algorithm.global_period (10) must be a multiple of algorithm.local_period (4)
///   run.toml:7: unknown key "setp_size" in [algorithm] (did you mean "step_size"?)
/// Strictness means that every key in a file changes the run, and that
/// parse_run_config(resolved_config_toml(c)) == c exactly.

#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/algorithms/algorithm_options.hpp"
#include "dsgdlab/algorithms/engine/cost_model_options.hpp"
#include "dsgdlab/algorithms/engine/mpi_engine.hpp"
#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/analysis/run_estimates.hpp"
#include "dsgdlab/problems/diagonal_quadratic.hpp"
#include "dsgdlab/problems/feature_shift.hpp"
#include "dsgdlab/problems/gaussian_mixture.hpp"
#include "dsgdlab/problems/libsvm.hpp"
#include "dsgdlab/problems/logistic_nonconvex.hpp"
#include "dsgdlab/problems/mlp.hpp"
#include "dsgdlab/problems/nonconvex_separable.hpp"
#include "dsgdlab/problems/partition.hpp"
#include "dsgdlab/problems/robust_regression.hpp"

namespace dsgdlab {

/// The problems a run can use (problem_catalog() describes them).
enum class ProblemKind {
  kQuadratic,           ///< "quadratic"
  kNonconvexSeparable,  ///< "nonconvex_separable"
  kLogisticNonconvex,   ///< "logistic_nonconvex" (data-driven)
  kMlp,                 ///< "mlp" (data-driven)
  kRobustRegression,    ///< "robust_regression" (data-driven)
};
std::string_view to_string(ProblemKind kind);
/// Inverse of to_string; throws InputError naming `field`, the value and the valid names.
ProblemKind parse_problem_kind(std::string_view name, std::string_view field = "problem.name");
/// True for the problems that learn from a data set (and so take a [data] table).
bool is_data_driven(ProblemKind kind);

/// Where a data-driven problem's samples come from.
enum class DataSource {
  kGaussianMixture,  ///< "gaussian_mixture": generate_gaussian_mixture
  kLibsvm,           ///< "libsvm": read_libsvm
};
std::string_view to_string(DataSource source);
DataSource parse_data_source(std::string_view name, std::string_view field = "data.source");

/// The engines a configuration may name ("mpi" needs a build with MPI).
inline constexpr std::string_view kEngineNames[] = {"sim", "threads", "mpi"};

/// [run]: the run-level controls; `workers` and `seed` also size and seed the components.
struct RunSection {
  /// n ≥ 1, the number of workers (required key).
  int workers = 1;
  /// K ≥ 1 (RunOptions::iterations). Default 1000.
  std::int64_t iterations = 1000;
  /// Seed of every random stream of the run (≥ 0 in the file). Default 0.
  std::uint64_t seed = 0;
  /// Stop early (status time_limit) past this virtual time, > 0. Default +∞.
  double max_virtual_time_s = std::numeric_limits<double>::infinity();
  /// "sim" (default), "threads", or "mpi" (one MPI rank per worker plus a coordinator:
  /// mpirun -np workers+1; docs/mpi.md).
  std::string engine = "sim";
  /// engine "mpi": how clusters average: "ordered" (default; bitwise equal to sim) or
  /// "allreduce" (MPI_Allreduce; rounding differs from sim).
  MpiAveraging mpi_averaging = MpiAveraging::kOrdered;
};

/// [problem]: which problem and its options. Only the options of `kind` are used.
struct ProblemSection {
  ProblemKind kind = ProblemKind::kQuadratic;
  /// quadratic and nonconvex_separable (num_workers and seed come from [run]).
  DiagonalQuadraticOptions diagonal;
  /// nonconvex_separable: λ. Default 1.
  double cosine_weight = 1.0;
  LogisticNonconvexOptions logistic;
  /// mlp (init_seed comes from [run]).
  MlpOptions mlp;
  RobustRegressionOptions robust_regression;
};

/// [data]: the data set of a data-driven problem, its partition and its transforms.
struct DataSection {
  DataSource source = DataSource::kGaussianMixture;
  GaussianMixtureOptions gaussian_mixture;
  /// libsvm: the file, absolute (a relative path in the file is resolved against the
  /// configuration file's directory).
  std::filesystem::path libsvm_file;
  LibsvmReadOptions libsvm;
  /// num_workers comes from [run].
  PartitionOptions partition;
  /// Feature skew; both 0 by default here (no shift), unlike FeatureShiftOptions' defaults.
  FeatureShiftOptions feature_shift{.shift_scale = 0.0, .scale_spread = 0.0};
  /// robust_regression only: how the targets are drawn.
  RegressionTargetOptions regression_targets;
};

/// [topology]: the communication graph (dpsgd, adpsgd) and the mixing matrix (dpsgd).
struct TopologySection {
  /// kind, torus_rows, edge_probability, degree, edge_list_file (absolute); num_workers and
  /// seed come from [run].
  TopologyOptions graph;
  /// dpsgd: a mixing rule name (mixing_rule_catalog) or "file". Default "metropolis_hastings".
  std::string mixing = "metropolis_hastings";
  /// mixing = "file": the matrix file (absolute); the graph is then W's support.
  std::filesystem::path mixing_file;

  bool mixing_from_file() const { return mixing == "file"; }
};

/// [grouping]: the clusters of hsgd, two-level (a GroupingScheme) or nested multi-level.
struct GroupingSection {
  /// scheme = "nested": cluster_sizes and random describe a nested_grouping.
  bool nested = false;
  /// Two-level: scheme and num_groups (seed comes from [run]).
  GroupingOptions two_level;
  /// Nested: s_1 < s_2 < … (nested_grouping).
  std::vector<int> cluster_sizes;
  /// Nested: lay the workers out in a random order (seeded) instead of by id.
  bool random = false;

  /// M, the number of averaging levels of the hierarchy (the all-workers level included).
  int num_levels() const { return nested ? static_cast<int>(cluster_sizes.size()) + 1 : 2; }
};

/// A parsed configuration. Sections that the run does not use (say [topology] for local_sgd)
/// hold their defaults.
struct RunConfig {
  /// The file it was read from, as given; empty for a configuration made in code. Error
  /// messages name it.
  std::filesystem::path file;
  RunSection run;
  ProblemSection problem;
  DataSection data;
  AlgorithmOptions algorithm;
  TopologySection topology;
  GroupingSection grouping;
  CostModelOptions cost;
  ProbeOptions probe;
  /// [estimators]: what is measured beside the run (σ² samples, L and f* estimation, the
  /// spectral solver).
  EstimatorOptions estimators;
  /// Line (1-based) of every key and table read from the file: "algorithm.step_size",
  /// "cost.slow_workers[0].factor", "algorithm" (the table header). Not part of equality.
  std::map<std::string, std::size_t> lines;

  /// Whether the run uses [data], [topology], [grouping] (decided by the problem and the
  /// algorithm).
  bool uses_data() const { return is_data_driven(problem.kind); }
  bool uses_topology() const;
  bool uses_grouping() const { return algorithm.kind == AlgorithmKind::kHsgd; }

  /// The line of `key` or of its closest recorded parent ("cost.slow_workers[0].factor", then
  /// "cost.slow_workers[0]", "cost.slow_workers", "cost"); 0 when none is recorded.
  std::size_t line_of(std::string_view key) const;

  /// Equal effective configurations: every key of every section has the same value (file
  /// and lines are ignored). Doubles compare by value (NaN is never valid here).
  friend bool operator==(const RunConfig& a, const RunConfig& b);
};

// The component options a configuration describes, with the [run] fields filled in:
// num_workers = run.workers, every seed = run.seed (streams in docs/configuration.md).
DiagonalQuadraticOptions diagonal_quadratic_options(const RunConfig& config);
NonconvexSeparableOptions nonconvex_separable_options(const RunConfig& config);
/// init_seed = run.seed.
MlpOptions mlp_options(const RunConfig& config);
PartitionOptions partition_options(const RunConfig& config);
TopologyOptions topology_options(const RunConfig& config);
GroupingOptions grouping_options(const RunConfig& config);
/// iterations, max_virtual_time_s, seed from [run]; run_index 0; probe from [probe].
RunOptions run_options(const RunConfig& config);

/// Reads and validates a configuration file. Throws InputError: a missing file names the
/// path; a TOML syntax error is "FILE:LINE: TOML syntax error: ..."; every other problem is
/// "FILE:LINE: message" as described at the top of this header. A file with a top-level
/// [suite] table is refused: it is a suite (suite_config.hpp).
RunConfig parse_run_config(const std::filesystem::path& file);

/// The same for TOML text; `file` names it in messages and its directory anchors relative
/// paths (tests, and files whose text is already in memory).
RunConfig parse_run_config_text(std::string_view text, const std::filesystem::path& file);

/// The same for an already parsed TOML table whose nodes carry their source lines in `file`
/// (a suite's run point, assembled from the suite file's [defaults], [[run]] and [sweep]:
/// errors then name the suite file's lines). Relative paths resolve against file's folder.
RunConfig parse_run_config_table(const toml::table& root, const std::filesystem::path& file);

/// Checks a configuration (parse_run_config calls it): every component's validate() with the
/// [run] fields filled in, and the cross-section rules (sgd has one worker; dpsgd/adpsgd
/// need a topology; hsgd's periods match its grouping levels; label groupings need a
/// data-driven problem; the engine exists). Messages name the configuration keys ("problem.dim",
/// not "quadratic.dim") and are prefixed "FILE:LINE: " when config.file is set.
void validate_run_config(const RunConfig& config);

/// The resolved configuration as TOML: every section and key the run uses, with its effective
/// value (defaults filled in, paths absolute, numbers in shortest round-trip form), so that
/// running it reproduces the run exactly.
std::string resolved_config_toml(const RunConfig& config);

}  // namespace dsgdlab
