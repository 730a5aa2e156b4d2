#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/run_builder.hpp"
#include "dsgdlab/problems/feature_shift.hpp"
#include "dsgdlab/problems/finite_sum_problem.hpp"
#include "dsgdlab/problems/gaussian_mixture.hpp"
#include "dsgdlab/problems/mlp.hpp"
#include "dsgdlab/problems/nonconvex_separable.hpp"
#include "dsgdlab/problems/partition.hpp"
#include "dsgdlab/problems/quadratic.hpp"
#include "dsgdlab/problems/robust_regression.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;

class RunBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("dsgdlab_run_builder_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path file() const { return dir_ / "run.toml"; }
  RunConfig parse(const std::string& text) const { return parse_run_config_text(text, file()); }
  void write(const fs::path& relative, const std::string& content) const {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative) << content;
  }
  /// The message of the InputError that building `text` throws.
  std::string build_error(const std::string& text) const {
    try {
      build_run(parse(text));
    } catch (const InputError& error) {
      return error.what();
    }
    ADD_FAILURE() << "expected an InputError for:\n" << text;
    return {};
  }
  std::string at(int line, const std::string& rest) const {
    return file().string() + ":" + std::to_string(line) + ": " + rest;
  }

  fs::path dir_;
};

RandomStream stream(std::uint64_t seed, StreamPurpose purpose,
                    std::uint64_t worker = StreamKey::kNoWorker) {
  return RandomStream(StreamKey{.seed = seed, .run = 0, .worker = worker, .purpose = purpose});
}

const FiniteSumProblem& as_data_problem(const Problem& problem) {
  const auto* data_problem = dynamic_cast<const FiniteSumProblem*>(&problem);
  if (data_problem == nullptr) throw std::logic_error("not a data-driven problem");
  return *data_problem;
}

bool same_matrix(const SparseMatrix& a, const SparseMatrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && Matrix(a) == Matrix(b);
}

// ---------------------------------------------------------------------------------------------
// Problems.

TEST_F(RunBuilderTest, QuadraticUsesRunWorkersAndSeed) {
  const std::string text =
      "[run]\nworkers = 5\nseed = 3\n[problem]\nname = \"quadratic\"\ndim = 6\ngroups = 2\n"
      "[algorithm]\nname = \"local_sgd\"\n";
  const auto problem = build_problem(parse(text));
  ASSERT_EQ(problem->name(), "quadratic");
  EXPECT_EQ(problem->dim(), 6);
  EXPECT_EQ(problem->num_workers(), 5);
  DiagonalQuadraticOptions expected;
  expected.dim = 6;
  expected.num_workers = 5;
  expected.num_groups = 2;
  expected.seed = 3;
  const QuadraticProblem reference(expected);
  const auto& built = dynamic_cast<const QuadraticProblem&>(*problem);
  EXPECT_EQ(built.centers(), reference.centers());
  EXPECT_EQ(built.curvatures(), reference.curvatures());

  std::string other_seed = text;
  other_seed.replace(other_seed.find("seed = 3"), 8, "seed = 4");
  const auto& other = dynamic_cast<const QuadraticProblem&>(*build_problem(parse(other_seed)));
  EXPECT_NE(other.centers(), reference.centers());
}

TEST_F(RunBuilderTest, NonconvexSeparableGetsItsCosineWeight) {
  const auto problem = build_problem(
      parse("[run]\nworkers = 3\n[problem]\nname = \"nonconvex_separable\"\ncosine_weight = "
            "0.5\ndim = 4\n[algorithm]\nname = \"local_sgd\"\n"));
  const auto& built = dynamic_cast<const NonconvexSeparableProblem&>(*problem);
  EXPECT_EQ(built.options().cosine_weight, 0.5);
  EXPECT_EQ(built.dim(), 4);
  EXPECT_EQ(built.num_workers(), 3);
}

constexpr const char* kLogistic = R"toml([run]
workers = 6
seed = 11
[problem]
name = "logistic_nonconvex"
[data]
samples = 300
features = 5
classes = 4
partition = "dirichlet"
dirichlet_alpha = 0.5
min_samples_per_worker = 5
[algorithm]
name = "local_sgd"
)toml";

TEST_F(RunBuilderTest, DataProblemsGetThePartitionOfTheDocumentedStreams) {
  const RunConfig config = parse(kLogistic);
  const auto problem = build_problem(config);
  ASSERT_EQ(problem->name(), "logistic_nonconvex");
  EXPECT_EQ(problem->dim(), 5);
  EXPECT_EQ(problem->num_workers(), 6);
  const auto& data_problem = as_data_problem(*problem);
  const Partition& partition = data_problem.partition();
  ASSERT_EQ(partition.num_workers(), 6);
  Index total = 0;
  for (const auto& samples : partition.worker_samples) {
    EXPECT_GE(static_cast<Index>(samples.size()), 5);
    total += static_cast<Index>(samples.size());
  }
  EXPECT_EQ(total, 300);

  // The data set and the partition come from the streams documented in run_builder.hpp.
  RandomStream data_rng = stream(11, StreamPurpose::kDataGeneration);
  const Dataset data = generate_gaussian_mixture(config.data.gaussian_mixture, data_rng);
  RandomStream partition_rng = stream(11, StreamPurpose::kPartition);
  const Partition expected = partition_dataset(data, partition_options(config), partition_rng);
  EXPECT_EQ(data_problem.dataset().features, data.features);
  EXPECT_EQ(data_problem.dataset().labels, data.labels);
  EXPECT_EQ(partition.worker_samples, expected.worker_samples);
}

TEST_F(RunBuilderTest, FeatureShiftAndRegressionTargetsUseTheirOwnStreams) {
  std::string text = kLogistic;
  text.replace(text.find("name = \"logistic_nonconvex\""), 27, "name = \"robust_regression\"");
  text.replace(text.find("[algorithm]"), 11,
               "feature_shift = 0.5\nworker_shift = 0.3\n[algorithm]");
  const RunConfig config = parse(text);
  const BuiltData built = build_data(config);

  RandomStream data_rng = stream(11, StreamPurpose::kDataGeneration);
  const Dataset data = generate_gaussian_mixture(config.data.gaussian_mixture, data_rng);
  RandomStream partition_rng = stream(11, StreamPurpose::kPartition);
  const Partition partition = partition_dataset(data, partition_options(config), partition_rng);
  RandomStream shift_rng = stream(11, StreamPurpose::kProblemInstance, kFeatureShiftStreamWorker);
  const Dataset shifted = shift_features(data, partition, config.data.feature_shift, shift_rng);
  RandomStream target_rng =
      stream(11, StreamPurpose::kProblemInstance, kRegressionTargetStreamWorker);
  const Dataset expected =
      with_regression_targets(shifted, partition, config.data.regression_targets, target_rng);

  EXPECT_EQ(built.partition.worker_samples, partition.worker_samples);
  EXPECT_NE(built.dataset->features, data.features);  // the shift was applied
  EXPECT_EQ(built.dataset->features, expected.features);
  ASSERT_EQ(built.dataset->targets.size(), 300);
  EXPECT_EQ(built.dataset->targets, expected.targets);
  EXPECT_EQ(build_problem(config)->name(), "robust_regression");
}

TEST_F(RunBuilderTest, MlpHasTheLayerSizesAndSeededWeights) {
  const std::string text =
      "[run]\nworkers = 4\nseed = 2\n[problem]\nname = \"mlp\"\nhidden_units = 7\n[data]\n"
      "samples = 200\nfeatures = 5\nclasses = 3\n[algorithm]\nname = \"local_sgd\"\n";
  const RunConfig config = parse(text);
  const auto problem = build_problem(config);
  constexpr Index kP = 5, kH = 7, kK = 3;
  EXPECT_EQ(problem->dim(), kH * kP + kH + kK * kH + kK);
  EXPECT_EQ(problem->num_workers(), 4);
  const auto& data_problem = as_data_problem(*problem);
  const MlpProblem reference(data_problem.shared_dataset(), data_problem.partition(),
                             {.hidden_units = 7, .init_seed = 2});
  EXPECT_EQ(problem->initial_point(), reference.initial_point());
}

TEST_F(RunBuilderTest, LibsvmFileIsReadRelativeToTheConfiguration) {
  write("data/small.svm",
        "1 1:0.5 3:1.0\n-1 2:1.5\n1 1:0.25 2:0.5\n-1 3:2.0\n1 1:1.0\n-1 2:0.75 3:0.5\n");
  const std::string text =
      "[run]\nworkers = 2\n[problem]\nname = \"logistic_nonconvex\"\n[data]\nsource = "
      "\"libsvm\"\nfile = \"data/small.svm\"\n[algorithm]\nname = \"local_sgd\"\n";
  const auto problem = build_problem(parse(text));
  EXPECT_EQ(problem->dim(), 3);
  EXPECT_EQ(as_data_problem(*problem).dataset().num_samples(), 6);
  EXPECT_EQ(problem->num_workers(), 2);

  std::string missing = text;
  missing.replace(missing.find("small.svm"), 9, "other.svm");
  const std::string message = build_error(missing);
  EXPECT_EQ(message.rfind(at(7, "data.file: "), 0), 0u) << message;
  EXPECT_NE(message.find("other.svm"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// Topology and grouping.

TEST_F(RunBuilderTest, TopologyAndMixingMatrix) {
  const std::string head = "[run]\nworkers = 6\nseed = 5\n[problem]\nname = \"quadratic\"\n";
  const BuiltTopology ring6 =
      build_topology(parse(head + "[algorithm]\nname = \"dpsgd\"\n[topology]\nkind = \"ring\"\n"));
  EXPECT_EQ(ring6.graph, ring(6));
  EXPECT_TRUE(same_matrix(ring6.mixing, mixing_matrix(ring(6), MixingRule::kMetropolisHastings)));
  EXPECT_EQ(ring6.description, "ring: 6 workers, 6 edges, degree 2; mixing metropolis_hastings");

  const BuiltTopology gossip = build_topology(
      parse(head + "[algorithm]\nname = \"adpsgd\"\n[topology]\nkind = \"erdos_renyi\"\n"
                   "edge_probability = 0.5\n"));
  const TopologyOptions expected{
      .kind = "erdos_renyi", .num_workers = 6, .edge_probability = 0.5, .seed = 5};
  EXPECT_EQ(gossip.graph, make_graph(expected));
  EXPECT_EQ(gossip.mixing.rows(), 0);  // adpsgd averages pairwise; no W

  write("W.txt", "1/3 1/3 0 1/3\n1/3 1/3 1/3 0\n0 1/3 1/3 1/3\n1/3 0 1/3 1/3\n");
  const BuiltTopology from_file = build_topology(
      parse("[run]\nworkers = 4\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = \"dpsgd\"\n"
            "[topology]\nmixing = \"file\"\nmixing_file = \"W.txt\"\n"));
  EXPECT_EQ(from_file.graph, ring(4));
  EXPECT_EQ(from_file.mixing.rows(), 4);
  EXPECT_DOUBLE_EQ(from_file.mixing.coeff(0, 1), 1.0 / 3.0);

  write("edges.txt", "0 1\n1 2\n2 3\n3 4\n4 5\n5 0\n");
  const BuiltTopology edges = build_topology(
      parse(head + "[algorithm]\nname = \"adpsgd\"\n[topology]\nkind = \"edge_list\"\n"
                   "edge_list_file = \"edges.txt\"\n"));
  EXPECT_EQ(edges.graph, ring(6));
}

TEST_F(RunBuilderTest, GroupingsFollowTheSchemeAndTheSeed) {
  const std::string head = "[run]\nworkers = 8\nseed = 9\n[problem]\nname = \"quadratic\"\n";
  const RunConfig random = parse(head +
                                 "[algorithm]\nname = \"hsgd\"\n[grouping]\nscheme = "
                                 "\"random\"\ngroups = 4\n");
  const auto problem = build_problem(random);
  const HierarchicalGrouping two_level = build_grouping(random, *problem);
  EXPECT_EQ(two_level.num_workers, 8);
  ASSERT_EQ(two_level.levels.size(), 1u);
  EXPECT_EQ(two_level.levels[0],
            make_grouping({.scheme = GroupingScheme::kRandom, .num_groups = 4, .seed = 9}, 8));
  EXPECT_EQ(describe_grouping(random, two_level), "random, 4 groups of 2 workers");

  const RunConfig nested = parse(head +
                                 "[algorithm]\nname = \"hsgd\"\nlevel_periods = [1, 2, 4]\n"
                                 "[grouping]\nscheme = \"nested\"\ncluster_sizes = [2, 4]\n"
                                 "random = true\n");
  const HierarchicalGrouping levels = build_grouping(nested, *problem);
  RandomStream rng = stream(9, StreamPurpose::kGrouping);
  const HierarchicalGrouping expected = nested_grouping(8, {2, 4}, true, &rng);
  ASSERT_EQ(levels.levels.size(), 2u);
  EXPECT_EQ(levels.levels[0], expected.levels[0]);
  EXPECT_EQ(levels.levels[1], expected.levels[1]);
  EXPECT_EQ(describe_grouping(nested, levels),
            "nested (random order), cluster sizes 2, 4, 3 levels");
}

TEST_F(RunBuilderTest, LabelGroupingsUseThePartitionsLabels) {
  std::string text = kLogistic;
  text.replace(text.find("workers = 6"), 11, "workers = 8");
  text.replace(text.find("name = \"local_sgd\""), 18,
               "name = \"hsgd\"\n[grouping]\nscheme = \"label_aligned\"\ngroups = 2");
  const RunConfig config = parse(text);
  const auto problem = build_problem(config);
  const auto& data_problem = as_data_problem(*problem);
  const HierarchicalGrouping grouping = build_grouping(config, *problem);
  ASSERT_EQ(grouping.levels.size(), 1u);
  EXPECT_EQ(
      grouping.levels[0],
      label_aligned_grouping(data_problem.partition().label_counts(data_problem.dataset()), 2));

  // A configuration made in code skips the parser's checks; the builder still refuses.
  RunConfig synthetic = parse(
      "[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = \"hsgd\"\n"
      "[grouping]\ngroups = 2\n");
  synthetic.file.clear();
  synthetic.grouping.two_level.scheme = GroupingScheme::kLabelCovering;
  const auto quadratic = build_problem(synthetic);
  try {
    build_grouping(synthetic, *quadratic);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              "grouping.scheme (\"label_covering\") needs the class labels of a data-driven "
              "problem");
  }
}

// ---------------------------------------------------------------------------------------------
// Whole runs.

TEST_F(RunBuilderTest, EveryExampleConfigBuildsAValidSetup) {
  const fs::path configs = fs::path(DSGDLAB_SOURCE_DIR) / "experiments" / "configs";
  int count = 0;
  for (const auto& entry : fs::directory_iterator(configs)) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    ++count;
    const RunConfig config = parse_run_config(entry.path());
    BuiltRun built = build_run(config);
    const BuiltRun run = std::move(built);  // the setup's problem pointer survives a move
    ASSERT_EQ(run.setup.problem, run.problem.get());
    EXPECT_NO_THROW(run.setup.validate());
    EXPECT_EQ(run.setup.problem->num_workers(), config.run.workers);
    EXPECT_EQ(run.setup.algorithm.kind, config.algorithm.kind);
    EXPECT_EQ(run.setup.run.iterations, config.run.iterations);
    EXPECT_EQ(run.setup.run.seed, config.run.seed);
    EXPECT_EQ(run.setup.run.probe.every_iterations, config.probe.every_iterations);
    EXPECT_EQ(run.setup.cost.slow_workers.size(), config.cost.slow_workers.size());
    EXPECT_EQ(run.setup.graph.has_value(), config.uses_topology());
    EXPECT_EQ(run.topology_description.empty(), !config.uses_topology());
    EXPECT_EQ(run.grouping_description.empty(), !config.uses_grouping());
    EXPECT_FALSE(run.algorithm_description.empty());
  }
  EXPECT_GE(count, 11);
}

TEST_F(RunBuilderTest, BuildErrorsNameTheConfigurationLine) {
  // A constraint only the data can check (classes_per_worker <= classes).
  EXPECT_EQ(build_error("[run]\nworkers = 4\n[problem]\nname = \"mlp\"\n[data]\nclasses = 3\n"
                        "partition = \"classes_per_worker\"\nclasses_per_worker = 4\n"
                        "[algorithm]\nname = \"local_sgd\"\n"),
            at(8, "data.classes_per_worker (4) must be at most the number of classes (3)"));
  // Files named by the configuration.
  const std::string edges = build_error(
      "[run]\nworkers = 4\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
      "\"dpsgd\"\n[topology]\nkind = \"edge_list\"\nedge_list_file = \"none.txt\"\n");
  EXPECT_EQ(edges.rfind(at(9, "topology.edge_list_file: "), 0), 0u) << edges;
  EXPECT_NE(edges.find("none.txt"), std::string::npos) << edges;
  write("bad_W.txt", "0.5 0.5 0\n0.5 0.25 0.25\n0 0.25 0.5\n");
  const std::string matrix = build_error(
      "[run]\nworkers = 3\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
      "\"dpsgd\"\n[topology]\nmixing = \"file\"\nmixing_file = \"bad_W.txt\"\n");
  EXPECT_EQ(matrix.rfind(at(9, "topology.mixing_file: mixing matrix"), 0), 0u) << matrix;
  const std::string trace = build_error(
      "[run]\nworkers = 2\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
      "\"local_sgd\"\n[cost]\ncompute_distribution = \"trace\"\ncompute_trace_file = "
      "\"times.txt\"\n");
  EXPECT_EQ(trace.rfind(at(9, "cost.compute_trace_file: "), 0), 0u) << trace;
  // A uniform mixing rule on a non-regular graph.
  const std::string uniform = build_error(
      "[run]\nworkers = 5\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
      "\"dpsgd\"\n[topology]\nkind = \"star\"\nmixing = \"uniform\"\n");
  EXPECT_EQ(uniform.rfind(at(9, "topology.mixing: "), 0), 0u) << uniform;
}

TEST_F(RunBuilderTest, AlgorithmDescriptions) {
  AlgorithmOptions hsgd;
  hsgd.kind = AlgorithmKind::kHsgd;
  hsgd.batch_size = 8;
  hsgd.local_period = 2;
  hsgd.global_period = 8;
  EXPECT_EQ(describe_algorithm(hsgd),
            "hsgd: local period 2, global period 8; step 0.05 (constant); batch 8");
  hsgd.level_periods = {2, 4, 8};
  EXPECT_EQ(describe_algorithm(hsgd), "hsgd: level periods 2, 4, 8; step 0.05 (constant); batch 8");
  AlgorithmOptions adpsgd;
  adpsgd.kind = AlgorithmKind::kAdpsgd;
  EXPECT_EQ(describe_algorithm(adpsgd), "adpsgd: pairing random; step 0.05 (constant); batch 1");
  AlgorithmOptions local;
  local.kind = AlgorithmKind::kLocalSgd;
  local.period = 4;
  local.step.kind = StepScheduleKind::kInverseSqrt;
  local.step.initial = 0.1;
  EXPECT_EQ(describe_algorithm(local), "local_sgd: period 4; step 0.1 (inverse_sqrt); batch 1");
}

}  // namespace
}  // namespace dsgdlab
