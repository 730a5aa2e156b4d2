#include "dsgdlab/experiments/run_builder.hpp"

#include <algorithm>
#include <utility>

#include "config_errors.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/problems/feature_shift.hpp"
#include "dsgdlab/problems/finite_sum_problem.hpp"
#include "dsgdlab/problems/gaussian_mixture.hpp"
#include "dsgdlab/problems/libsvm.hpp"
#include "dsgdlab/problems/logistic_nonconvex.hpp"
#include "dsgdlab/problems/mlp.hpp"
#include "dsgdlab/problems/nonconvex_separable.hpp"
#include "dsgdlab/problems/partition.hpp"
#include "dsgdlab/problems/quadratic.hpp"
#include "dsgdlab/problems/robust_regression.hpp"

namespace dsgdlab {
namespace {

using config_errors::with_context;

RandomStream run_stream(const RunConfig& config, StreamPurpose purpose,
                        std::uint64_t worker = StreamKey::kNoWorker) {
  return RandomStream(
      StreamKey{.seed = config.run.seed, .run = 0, .worker = worker, .purpose = purpose});
}

std::string join(const std::vector<int>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(values[i]);
  }
  return text;
}

std::string describe_graph(const Graph& graph) {
  std::string text = std::to_string(graph.num_vertices()) + " workers, " +
                     std::to_string(graph.num_edges()) + " edges, degree " +
                     std::to_string(graph.min_degree());
  if (!graph.is_regular()) text += ".." + std::to_string(graph.max_degree());
  return text;
}

bool is_label_scheme(GroupingScheme scheme) {
  return scheme == GroupingScheme::kLabelAligned || scheme == GroupingScheme::kLabelCovering;
}

}  // namespace

BuiltData build_data(const RunConfig& config) {
  if (!config.uses_data()) {
    throw InputError("problem.name \"" + std::string(to_string(config.problem.kind)) +
                     "\" does not use a data set");
  }
  const DataSection& data = config.data;
  Dataset dataset = with_context(config, "data.file", [&] {
    if (data.source == DataSource::kGaussianMixture) {
      RandomStream rng = run_stream(config, StreamPurpose::kDataGeneration);
      return generate_gaussian_mixture(data.gaussian_mixture, rng);
    }
    return read_libsvm(data.libsvm_file, data.libsvm).dataset;
  });
  Partition partition = with_context(config, "data.partition", [&] {
    RandomStream rng = run_stream(config, StreamPurpose::kPartition);
    return partition_dataset(dataset, partition_options(config), rng);
  });
  if (data.feature_shift.shift_scale != 0.0 || data.feature_shift.scale_spread != 0.0) {
    dataset = with_context(config, "data.feature_shift", [&] {
      RandomStream rng =
          run_stream(config, StreamPurpose::kProblemInstance, kFeatureShiftStreamWorker);
      return shift_features(dataset, partition, data.feature_shift, rng);
    });
  }
  if (config.problem.kind == ProblemKind::kRobustRegression) {
    dataset = with_context(config, "data", [&] {
      RandomStream rng =
          run_stream(config, StreamPurpose::kProblemInstance, kRegressionTargetStreamWorker);
      return with_regression_targets(dataset, partition, data.regression_targets, rng);
    });
  }
  return {std::make_shared<const Dataset>(std::move(dataset)), std::move(partition)};
}

std::unique_ptr<Problem> build_problem(const RunConfig& config) {
  const ProblemSection& problem = config.problem;
  switch (problem.kind) {
    case ProblemKind::kQuadratic:
      return with_context(config, "problem", [&]() -> std::unique_ptr<Problem> {
        return std::make_unique<QuadraticProblem>(diagonal_quadratic_options(config));
      });
    case ProblemKind::kNonconvexSeparable:
      return with_context(config, "problem", [&]() -> std::unique_ptr<Problem> {
        return std::make_unique<NonconvexSeparableProblem>(nonconvex_separable_options(config));
      });
    default: break;
  }
  BuiltData data = build_data(config);
  return with_context(config, "problem", [&]() -> std::unique_ptr<Problem> {
    switch (problem.kind) {
      case ProblemKind::kLogisticNonconvex:
        return std::make_unique<LogisticNonconvexProblem>(data.dataset, std::move(data.partition),
                                                          problem.logistic);
      case ProblemKind::kMlp:
        return std::make_unique<MlpProblem>(data.dataset, std::move(data.partition),
                                            mlp_options(config));
      default:
        return std::make_unique<RobustRegressionProblem>(data.dataset, std::move(data.partition),
                                                         problem.robust_regression);
    }
  });
}

BuiltTopology build_topology(const RunConfig& config) {
  if (!config.uses_topology()) {
    throw InputError("algorithm \"" + std::string(to_string(config.algorithm.kind)) +
                     "\" uses no topology");
  }
  const TopologySection& topology = config.topology;
  const bool dpsgd = config.algorithm.kind == AlgorithmKind::kDpsgd;
  BuiltTopology built;
  if (dpsgd && topology.mixing_from_file()) {
    built.mixing = with_context(config, "topology.mixing_file", [&] {
      SparseMatrix mixing = read_mixing_matrix(topology.mixing_file, config.run.workers);
      validate_mixing_matrix(mixing);
      return mixing;
    });
    built.graph = support_graph(built.mixing);
    built.description = "support of the mixing matrix " + topology.mixing_file.string() + ": " +
                        describe_graph(built.graph);
    return built;
  }
  const std::string_view graph_key =
      topology.graph.kind == "edge_list" ? "topology.edge_list_file" : "topology.kind";
  built.graph =
      with_context(config, graph_key, [&] { return make_graph(topology_options(config)); });
  built.description = topology.graph.kind + ": " + describe_graph(built.graph);
  if (dpsgd) {
    built.mixing = with_context(config, "topology.mixing", [&] {
      return mixing_matrix(built.graph, parse_mixing_rule(topology.mixing));
    });
    built.description += "; mixing " + topology.mixing;
  }
  return built;
}

HierarchicalGrouping build_grouping(const RunConfig& config, const Problem& problem) {
  if (!config.uses_grouping()) {
    throw InputError("algorithm \"" + std::string(to_string(config.algorithm.kind)) +
                     "\" uses no grouping");
  }
  const GroupingSection& grouping = config.grouping;
  const int n = config.run.workers;
  return with_context(config, "grouping", [&] {
    if (grouping.nested) {
      RandomStream rng = run_stream(config, StreamPurpose::kGrouping);
      return nested_grouping(n, grouping.cluster_sizes, grouping.random, &rng);
    }
    const GroupingOptions options = grouping_options(config);
    std::vector<std::vector<Index>> label_counts;
    if (is_label_scheme(options.scheme)) {
      const auto* data_problem = dynamic_cast<const FiniteSumProblem*>(&problem);
      if (data_problem == nullptr) {
        throw InputError("grouping.scheme (\"" + std::string(to_string(options.scheme)) +
                         "\") needs the class labels of a data-driven problem");
      }
      label_counts = data_problem->partition().label_counts(data_problem->dataset());
    }
    // One stored level: the groups; the all-workers level is implicit. Built directly rather
    // than with from_two_level so that N = 1 and N = n (H-SGD's special cases) are not
    // refused here; RunSetup::validate decides.
    return HierarchicalGrouping{
        .num_workers = n,
        .levels = {make_grouping(options, n, label_counts.empty() ? nullptr : &label_counts)}};
  });
}

std::string describe_grouping(const RunConfig& config, const HierarchicalGrouping& grouping) {
  const GroupingSection& section = config.grouping;
  if (section.nested) {
    std::string text = section.random ? "nested (random order)" : "nested (contiguous)";
    text += ", cluster sizes " + join(section.cluster_sizes) + ", " +
            std::to_string(grouping.num_levels()) + " levels";
    return text;
  }
  std::string text(to_string(section.two_level.scheme));
  if (grouping.levels.empty()) return text;
  const Grouping& groups = grouping.levels.front();
  const auto sizes = groups.group_sizes();
  text += ", " + std::to_string(groups.num_groups()) + " groups";
  if (groups.equal_sizes()) {
    text += " of " + std::to_string(sizes.front()) + " workers";
  } else {
    text += " of sizes " + join(sizes);
  }
  return text;
}

std::string describe_algorithm(const AlgorithmOptions& algorithm) {
  std::string text(to_string(algorithm.kind));
  switch (algorithm.kind) {
    case AlgorithmKind::kAdpsgd:
      text += ": pairing " + std::string(to_string(algorithm.pairing));
      break;
    case AlgorithmKind::kLocalSgd: text += ": period " + std::to_string(algorithm.period); break;
    case AlgorithmKind::kHsgd:
      if (algorithm.level_periods.empty()) {
        text += ": local period " + std::to_string(algorithm.local_period) + ", global period " +
                std::to_string(algorithm.global_period);
      } else {
        text += ": level periods";
        for (std::size_t l = 0; l < algorithm.level_periods.size(); ++l) {
          text += (l == 0 ? " " : ", ") + std::to_string(algorithm.level_periods[l]);
        }
      }
      break;
    default: break;
  }
  text += "; step " + format_double(algorithm.step.initial) + " (" +
          std::string(to_string(algorithm.step.kind)) + ")";
  text += "; batch " + std::to_string(algorithm.batch_size);
  return text;
}

BuiltRun build_run(const RunConfig& config) {
  validate_run_config(config);
  BuiltRun built;
  built.config = config;
  built.problem = build_problem(config);
  RunSetup& setup = built.setup;
  setup.problem = built.problem.get();
  setup.algorithm = config.algorithm;
  if (config.uses_topology()) {
    BuiltTopology topology = build_topology(config);
    setup.graph = std::move(topology.graph);
    setup.mixing = std::move(topology.mixing);
    built.topology_description = std::move(topology.description);
  }
  if (config.uses_grouping()) {
    setup.grouping = build_grouping(config, *built.problem);
    built.grouping_description = describe_grouping(config, setup.grouping);
  }
  setup.cost = config.cost;
  setup.run = run_options(config);
  if (config.cost.compute_distribution == ComputeTimeDistribution::kTrace) {
    with_context(config, "cost.compute_trace_file",
                 [&] { read_file(config.cost.compute_trace_file); });
  }
  with_context(config, "algorithm.name", [&] { setup.validate(); });
  std::optional<HierarchicalGrouping> hierarchy;
  if (config.uses_grouping()) hierarchy = setup.grouping;
  std::vector<double> weights;
  if (is_asynchronous(config.algorithm.kind)) {
    weights = nominal_update_probabilities(config.cost, config.run.workers);
  }
  built.trajectory_probe = std::make_shared<TrajectoryProbe>(
      *built.problem, std::move(hierarchy), std::move(weights),
      RandomStream(StreamKey{.seed = setup.run.seed,
                             .run = setup.run.run_index,
                             .worker = StreamKey::kNoWorker,
                             .purpose = StreamPurpose::kEstimation}),
      config.estimators.trajectory);
  setup.checkpoint_probe = built.trajectory_probe;
  built.algorithm_description = describe_algorithm(config.algorithm);
  return built;
}

}  // namespace dsgdlab
