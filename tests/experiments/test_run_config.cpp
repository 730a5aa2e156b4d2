#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/run_config.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;

/// A fresh directory per test (named after the test and the process, since ctest may run
/// tests in parallel), removed afterwards. Configurations are "written" into it so that
/// relative paths have a known anchor.
class RunConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("dsgdlab_run_config_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path file() const { return dir_ / "run.toml"; }
  RunConfig parse(const std::string& text) const { return parse_run_config_text(text, file()); }

  /// The message of the InputError that parsing `text` throws ("" and a failure if none).
  std::string error_of(const std::string& text) const {
    try {
      parse(text);
    } catch (const InputError& error) {
      return error.what();
    }
    ADD_FAILURE() << "expected an InputError for:\n" << text;
    return {};
  }
  /// "<dir>/run.toml:LINE: " + rest, the form of every located error.
  std::string at(int line, const std::string& rest) const {
    return file().string() + ":" + std::to_string(line) + ": " + rest;
  }

  fs::path dir_;
};

constexpr const char* kMinimal = R"toml([run]
workers = 4
[problem]
name = "quadratic"
[algorithm]
name = "local_sgd"
)toml";

// ---------------------------------------------------------------------------------------------
// Sections into option fields.

TEST_F(RunConfigTest, MinimalFileGetsTheDocumentedDefaults) {
  const RunConfig config = parse(kMinimal);
  EXPECT_EQ(config.file, file());
  EXPECT_EQ(config.run.workers, 4);
  EXPECT_EQ(config.run.iterations, 1000);
  EXPECT_EQ(config.run.seed, 0u);
  EXPECT_EQ(config.run.max_virtual_time_s, std::numeric_limits<double>::infinity());
  EXPECT_EQ(config.run.engine, "sim");
  EXPECT_EQ(config.problem.kind, ProblemKind::kQuadratic);
  const DiagonalQuadraticOptions defaults;
  EXPECT_EQ(config.problem.diagonal.dim, defaults.dim);
  EXPECT_EQ(config.problem.diagonal.curvature_min, defaults.curvature_min);
  EXPECT_EQ(config.problem.diagonal.noise_variance, defaults.noise_variance);
  EXPECT_EQ(config.algorithm.kind, AlgorithmKind::kLocalSgd);
  EXPECT_EQ(config.algorithm.step.initial, 0.05);
  EXPECT_EQ(config.algorithm.step.kind, StepScheduleKind::kConstant);
  EXPECT_EQ(config.algorithm.batch_size, 1);
  EXPECT_EQ(config.algorithm.period, 1);
  EXPECT_EQ(config.cost.compute_time_s, 1.0);
  EXPECT_EQ(config.cost.link_bandwidth_bytes_per_s, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(config.cost.slow_workers.empty());
  EXPECT_EQ(config.probe.every_iterations, 10);
  EXPECT_EQ(config.probe.every_virtual_time_s, 0.0);
  EXPECT_EQ(config.probe.running_average_every, 1);
  // The [run] fields reach the component options.
  EXPECT_EQ(diagonal_quadratic_options(config).num_workers, 4);
  EXPECT_EQ(run_options(config).iterations, 1000);
}

TEST_F(RunConfigTest, RunProblemAlgorithmGroupingCostAndProbeKeys) {
  const RunConfig config = parse(R"toml([run]
workers = 8
iterations = 2_000
seed = 7
max_virtual_time_s = 1e9
engine = "sim"

[problem]
name = "nonconvex_separable"
dim = 12
curvature_min = 0.2
curvature_max = 2
curvature_sharing = "per_group"
groups = 4
group_center_spread = 1.5
worker_center_spread = 0.25
noise_variance = 0.5
cosine_weight = 0.75

[algorithm]
name = "hsgd"
step_size = 0.1
schedule = "step_decay"
decay_factor = 0.25
decay_every = 500
batch_size = 8
local_period = 2
global_period = 8

[grouping]
scheme = "random"
groups = 2

[cost]
compute_time_s = 2.0
compute_distribution = "lognormal"
lognormal_sigma = 0.3
link_latency_s = 0.01
link_bandwidth_bytes_per_s = 1e6
slow_workers = [{ worker = 3, factor = 10.0 }, { worker = 5, factor = 2 }]

[[cost.slow_links]]
u = 0
v = 1
latency_factor = 10.0

[probe]
every_iterations = 20
every_virtual_time_s = 5.0
running_average_every = 2
)toml");
  EXPECT_EQ(config.run.workers, 8);
  EXPECT_EQ(config.run.iterations, 2000);
  EXPECT_EQ(config.run.seed, 7u);
  EXPECT_EQ(config.run.max_virtual_time_s, 1e9);

  EXPECT_EQ(config.problem.kind, ProblemKind::kNonconvexSeparable);
  const auto& d = config.problem.diagonal;
  EXPECT_EQ(d.dim, 12);
  EXPECT_EQ(d.curvature_min, 0.2);
  EXPECT_EQ(d.curvature_max, 2.0);  // an integer is accepted for a float key
  EXPECT_EQ(d.curvature_sharing, CurvatureSharing::kPerGroup);
  EXPECT_EQ(d.num_groups, 4);
  EXPECT_EQ(d.group_center_spread, 1.5);
  EXPECT_EQ(d.worker_center_spread, 0.25);
  EXPECT_EQ(d.noise_variance, 0.5);
  EXPECT_EQ(config.problem.cosine_weight, 0.75);
  const auto nonconvex = nonconvex_separable_options(config);
  EXPECT_EQ(nonconvex.instance.num_workers, 8);
  EXPECT_EQ(nonconvex.instance.seed, 7u);
  EXPECT_EQ(nonconvex.cosine_weight, 0.75);

  const auto& a = config.algorithm;
  EXPECT_EQ(a.kind, AlgorithmKind::kHsgd);
  EXPECT_EQ(a.step.initial, 0.1);
  EXPECT_EQ(a.step.kind, StepScheduleKind::kStepDecay);
  EXPECT_EQ(a.step.decay_factor, 0.25);
  EXPECT_EQ(a.step.decay_every, 500);
  EXPECT_EQ(a.batch_size, 8);
  EXPECT_EQ(a.local_period, 2);
  EXPECT_EQ(a.global_period, 8);

  EXPECT_FALSE(config.grouping.nested);
  EXPECT_EQ(config.grouping.two_level.scheme, GroupingScheme::kRandom);
  EXPECT_EQ(config.grouping.two_level.num_groups, 2);
  EXPECT_EQ(grouping_options(config).seed, 7u);

  const auto& c = config.cost;
  EXPECT_EQ(c.compute_time_s, 2.0);
  EXPECT_EQ(c.compute_distribution, ComputeTimeDistribution::kLognormal);
  EXPECT_EQ(c.lognormal_sigma, 0.3);
  EXPECT_EQ(c.link_latency_s, 0.01);
  EXPECT_EQ(c.link_bandwidth_bytes_per_s, 1e6);
  ASSERT_EQ(c.slow_workers.size(), 2u);
  EXPECT_EQ(c.slow_workers[0].worker, 3);
  EXPECT_EQ(c.slow_workers[0].factor, 10.0);
  EXPECT_EQ(c.slow_workers[1].worker, 5);
  EXPECT_EQ(c.slow_workers[1].factor, 2.0);
  ASSERT_EQ(c.slow_links.size(), 1u);
  EXPECT_EQ(c.slow_links[0].u, 0);
  EXPECT_EQ(c.slow_links[0].v, 1);
  EXPECT_EQ(c.slow_links[0].latency_factor, 10.0);
  EXPECT_EQ(c.slow_links[0].bandwidth_factor, 1.0);  // default

  EXPECT_EQ(config.probe.every_iterations, 20);
  EXPECT_EQ(config.probe.every_virtual_time_s, 5.0);
  EXPECT_EQ(config.probe.running_average_every, 2);
  const RunOptions run = run_options(config);
  EXPECT_EQ(run.seed, 7u);
  EXPECT_EQ(run.run_index, 0u);
  EXPECT_EQ(run.probe.every_iterations, 20);

  // Lines of keys, tables and array elements.
  EXPECT_EQ(config.line_of("run"), 1u);
  EXPECT_EQ(config.line_of("run.seed"), 4u);
  EXPECT_EQ(config.line_of("algorithm.global_period"), 28u);
  EXPECT_EQ(config.line_of("cost.slow_workers[1].factor"), 40u);
  EXPECT_EQ(config.line_of("cost.slow_links[0]"), 42u);
  EXPECT_EQ(config.line_of("probe.no_such_key"), config.line_of("probe"));
  EXPECT_EQ(config.line_of("nothing"), 0u);
}

TEST_F(RunConfigTest, DataProblemKeys) {
  const RunConfig logistic = parse(R"toml([run]
workers = 4
seed = 3
[problem]
name = "logistic_nonconvex"
regularization = 0.01
[data]
source = "gaussian_mixture"
samples = 400
features = 6
classes = 3
separation = 1.5
noise_stddev = 0.5
partition = "dirichlet"
dirichlet_alpha = 0.3
min_samples_per_worker = 5
feature_shift = 0.5
feature_scale_spread = 0.1
[algorithm]
name = "allreduce_sgd"
)toml");
  EXPECT_EQ(logistic.problem.kind, ProblemKind::kLogisticNonconvex);
  EXPECT_EQ(logistic.problem.logistic.regularization, 0.01);
  const auto& data = logistic.data;
  EXPECT_EQ(data.source, DataSource::kGaussianMixture);
  EXPECT_EQ(data.gaussian_mixture.num_samples, 400);
  EXPECT_EQ(data.gaussian_mixture.num_features, 6);
  EXPECT_EQ(data.gaussian_mixture.num_classes, 3);
  EXPECT_EQ(data.gaussian_mixture.class_separation, 1.5);
  EXPECT_EQ(data.gaussian_mixture.noise_stddev, 0.5);
  EXPECT_EQ(data.partition.scheme, PartitionScheme::kDirichlet);
  EXPECT_EQ(data.partition.dirichlet_alpha, 0.3);
  EXPECT_EQ(data.partition.min_samples_per_worker, 5);
  EXPECT_EQ(partition_options(logistic).num_workers, 4);
  EXPECT_EQ(data.feature_shift.shift_scale, 0.5);
  EXPECT_EQ(data.feature_shift.scale_spread, 0.1);

  const RunConfig mlp = parse(R"toml([run]
workers = 2
seed = 9
[problem]
name = "mlp"
hidden_units = 5
weight_decay = 0.001
init_scale = 0.5
[data]
partition = "classes_per_worker"
classes_per_worker = 3
[algorithm]
name = "local_sgd"
)toml");
  EXPECT_EQ(mlp.problem.mlp.hidden_units, 5);
  EXPECT_EQ(mlp.problem.mlp.weight_decay, 0.001);
  EXPECT_EQ(mlp.problem.mlp.init_scale, 0.5);
  EXPECT_EQ(mlp_options(mlp).init_seed, 9u);
  EXPECT_EQ(mlp.data.partition.scheme, PartitionScheme::kClassesPerWorker);
  EXPECT_EQ(mlp.data.partition.classes_per_worker, 3);
  // Without the keys, the data set is the default Gaussian mixture.
  EXPECT_EQ(mlp.data.gaussian_mixture.num_samples, GaussianMixtureOptions{}.num_samples);

  const RunConfig robust = parse(R"toml([run]
workers = 2
[problem]
name = "robust_regression"
scale = 2.0
[data]
source = "libsvm"
file = "data/train.svm"
zero_based = true
num_features = 30
partition = "quantity_skew"
quantity_skew_alpha = 2.0
truth_scale = 3.0
worker_shift = 0.2
target_noise = 0.05
outlier_fraction = 0.1
outlier_scale = 20.0
[algorithm]
name = "local_sgd"
)toml");
  EXPECT_EQ(robust.problem.robust_regression.scale, 2.0);
  EXPECT_EQ(robust.data.source, DataSource::kLibsvm);
  EXPECT_EQ(robust.data.libsvm_file, fs::absolute(dir_ / "data" / "train.svm"));
  EXPECT_TRUE(robust.data.libsvm.zero_based);
  EXPECT_EQ(robust.data.libsvm.num_features, 30);
  EXPECT_EQ(robust.data.partition.quantity_skew_alpha, 2.0);
  const auto& targets = robust.data.regression_targets;
  EXPECT_EQ(targets.truth_scale, 3.0);
  EXPECT_EQ(targets.worker_shift, 0.2);
  EXPECT_EQ(targets.noise_stddev, 0.05);
  EXPECT_EQ(targets.outlier_fraction, 0.1);
  EXPECT_EQ(targets.outlier_scale, 20.0);
}

TEST_F(RunConfigTest, TopologyKeysAndResolvedPaths) {
  const std::string head = "[run]\nworkers = 9\nseed = 4\n[problem]\nname = \"quadratic\"\n";
  const RunConfig torus =
      parse(head +
            "[algorithm]\nname = \"dpsgd\"\n[topology]\nkind = \"torus\"\ntorus_rows = "
            "3\nmixing = \"lazy_metropolis_hastings\"\n");
  EXPECT_EQ(torus.topology.graph.kind, "torus");
  EXPECT_EQ(torus.topology.graph.torus_rows, 3);
  EXPECT_EQ(torus.topology.mixing, "lazy_metropolis_hastings");
  EXPECT_EQ(topology_options(torus).num_workers, 9);
  EXPECT_EQ(topology_options(torus).seed, 4u);

  const RunConfig er = parse(head +
                             "[algorithm]\nname = \"adpsgd\"\npairing = \"random\"\n[topology]\n"
                             "kind = \"erdos_renyi\"\nedge_probability = 0.5\n");
  EXPECT_EQ(er.topology.graph.edge_probability, 0.5);
  EXPECT_EQ(er.algorithm.pairing, PairingMode::kRandom);

  const RunConfig regular = parse(
      head + "[algorithm]\nname = \"dpsgd\"\n[topology]\nkind = \"random_regular\"\ndegree = 4\n");
  EXPECT_EQ(regular.topology.graph.degree, 4);

  // Relative paths are resolved against the configuration file's directory and normalised;
  // absolute paths are kept.
  const RunConfig edges = parse(head +
                                "[algorithm]\nname = \"dpsgd\"\n[topology]\nkind = \"edge_list\"\n"
                                "edge_list_file = \"graphs/../graphs/ring.txt\"\n");
  EXPECT_EQ(fs::path(edges.topology.graph.edge_list_file), fs::absolute(dir_ / "graphs/ring.txt"));
  const RunConfig matrix = parse(head +
                                 "[algorithm]\nname = \"dpsgd\"\n[topology]\nmixing = \"file\"\n"
                                 "mixing_file = \"/somewhere/W.txt\"\n");
  EXPECT_TRUE(matrix.topology.mixing_from_file());
  EXPECT_EQ(matrix.topology.mixing_file, fs::path("/somewhere/W.txt"));
  const RunConfig trace = parse(head +
                                "[algorithm]\nname = \"local_sgd\"\n[cost]\ncompute_distribution "
                                "= \"trace\"\ncompute_trace_file = \"t.txt\"\n");
  EXPECT_EQ(trace.cost.compute_trace_file, fs::absolute(dir_ / "t.txt"));
}

TEST_F(RunConfigTest, NestedGroupingAndLevelPeriods) {
  const RunConfig config = parse(R"toml([run]
workers = 16
[problem]
name = "quadratic"
[algorithm]
name = "hsgd"
level_periods = [2, 4, 8]
[grouping]
scheme = "nested"
cluster_sizes = [2, 8]
random = true
)toml");
  EXPECT_TRUE(config.grouping.nested);
  EXPECT_EQ(config.grouping.cluster_sizes, (std::vector<int>{2, 8}));
  EXPECT_TRUE(config.grouping.random);
  EXPECT_EQ(config.grouping.num_levels(), 3);
  EXPECT_EQ(config.algorithm.level_periods, (std::vector<std::int64_t>{2, 4, 8}));
}

// ---------------------------------------------------------------------------------------------
// Unknown tables and keys, types.

TEST_F(RunConfigTest, UnknownKeyNamesFileLineAndSuggestion) {
  EXPECT_EQ(error_of(std::string(kMinimal) + "step_size = 0.1\nsetp_size = 0.2\n"),
            at(8, "unknown key \"setp_size\" in [algorithm] (did you mean \"step_size\"?)"));
  // No suggestion when nothing is close.
  EXPECT_EQ(error_of(std::string(kMinimal) + "frobnication = 1\n"),
            at(7, "unknown key \"frobnication\" in [algorithm]"));
}

TEST_F(RunConfigTest, UnknownTableAndTopLevelKey) {
  const std::string table = error_of(std::string(kMinimal) + "[algoritm]\nname = \"x\"\n");
  EXPECT_EQ(table.rfind(at(7, "unknown table [algoritm] (did you mean [algorithm]?)"), 0), 0u)
      << table;
  const std::string top = error_of("workers = 4\n" + std::string(kMinimal));
  EXPECT_EQ(top.rfind(at(1, "unknown key \"workers\" at the top level"), 0), 0u) << top;
  const std::string member =
      error_of(std::string(kMinimal) + "[cost]\nslow_workers = [{ worker = 1, fator = 2.0 }]\n");
  EXPECT_EQ(member, at(8,
                       "unknown key \"fator\" in cost.slow_workers[0] (did you mean "
                       "\"factor\"?)"));
}

TEST_F(RunConfigTest, WrongTypesNameKeyValueAndLine) {
  EXPECT_EQ(error_of("[run]\nworkers = \"8\"\n[problem]\nname = \"quadratic\"\n[algorithm]\nname "
                     "= \"local_sgd\"\n"),
            at(2, "run.workers (\"8\") must be an integer"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "step_size = \"fast\"\n"),
            at(7, "algorithm.step_size (\"fast\") must be a number"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "batch_size = 2.0\n"),
            at(7, "algorithm.batch_size (2.0) must be an integer"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[probe]\nevery_iterations = true\n"),
            at(8, "probe.every_iterations (true) must be an integer"));
  EXPECT_EQ(error_of("[run]\nworkers = 16\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"hsgd\"\nlevel_periods = [2, 4.5]\n[grouping]\nscheme = \"nested\"\n"),
            at(7, "algorithm.level_periods[1] (4.5) must be an integer"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[cost]\nslow_workers = 3\n"),
            at(8,
               "cost.slow_workers (3) must be an array of tables such as { worker = 3, "
               "factor = 10.0 }"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[cost]\nslow_links = [{ u = 0 }]\n"),
            at(8,
               "cost.slow_links[0] has no key \"v\" ({ u = 0, v = 1, latency_factor = 10.0, "
               "bandwidth_factor = 1.0 })"));
  EXPECT_EQ(error_of("[run]\nworkers = 4\nseed = -1\n[problem]\nname = \"quadratic\"\n[algorithm]"
                     "\nname = \"local_sgd\"\n"),
            at(3, "run.seed (-1) must be non-negative"));
  EXPECT_EQ(error_of("run = 3\n"), at(1, "\"run\" must be a table ([run]), not 3"));
}

TEST_F(RunConfigTest, BadNamesListTheValidOnes) {
  const std::string problem =
      error_of("[run]\nworkers = 4\n[problem]\nname = \"quadratc\"\n[algorithm]\nname = \"sgd\"\n");
  EXPECT_EQ(problem, at(4,
                        "problem.name (\"quadratc\") is not a known problem (quadratic, "
                        "nonconvex_separable, logistic_nonconvex, mlp, robust_regression) (did "
                        "you mean \"quadratic\"?)"));
  EXPECT_EQ(error_of("[run]\nworkers = 4\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"dpsgd\"\n[topology]\nkind = \"rnig\"\n"),
            at(8,
               "topology.kind (\"rnig\") must be one of ring, torus, hypercube, exponential, "
               "bipartite_exponential, complete, star, erdos_renyi, random_regular, edge_list (did "
               "you mean "
               "\"ring\"?)"));
  const std::string schedule = error_of(std::string(kMinimal) + "schedule = \"cosine\"\n");
  EXPECT_EQ(schedule.rfind(at(7, "algorithm.schedule (\"cosine\") must be one of"), 0), 0u)
      << schedule;
  const std::string partition = error_of(
      "[run]\nworkers = 4\n[problem]\nname = \"mlp\"\n[data]\npartition = \"skewed\"\n"
      "[algorithm]\nname = \"local_sgd\"\n");
  EXPECT_EQ(partition.rfind(at(6, "data.partition (\"skewed\")"), 0), 0u) << partition;
}

TEST_F(RunConfigTest, TomlSyntaxErrorNamesFileAndLine) {
  const std::string message = error_of("[run]\nworkers = = 4\n");
  EXPECT_EQ(message.rfind(at(2, "TOML syntax error: "), 0), 0u) << message;
  const std::string twice = error_of("[run]\nworkers = 4\nworkers = 5\n");
  EXPECT_EQ(twice.rfind(at(3, "TOML syntax error: "), 0), 0u) << twice;
}

TEST_F(RunConfigTest, MissingTablesAndKeys) {
  EXPECT_EQ(error_of("[problem]\nname = \"quadratic\"\n[algorithm]\nname = \"sgd\"\n"),
            file().string() + ": missing table [run] (it must set workers)");
  EXPECT_EQ(error_of("[run]\nseed = 1\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"sgd\"\n"),
            at(1, "missing key \"workers\" in [run]"));
  EXPECT_EQ(error_of("[run]\nworkers = 1\n[problem]\ndim = 3\n[algorithm]\nname = \"sgd\"\n"),
            at(3, "missing key \"name\" in [problem]"));
}

TEST_F(RunConfigTest, MissingFileNamesThePath) {
  try {
    parse_run_config(dir_ / "absent.toml");
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("absent.toml"), std::string::npos) << error.what();
  }
}

// ---------------------------------------------------------------------------------------------
// Values: component validate() messages with configuration keys and lines.

TEST_F(RunConfigTest, BadValuesNameTheKeyTheValueAndTheRule) {
  EXPECT_EQ(error_of(R"toml([run]
workers = 8
[problem]
name = "quadratic"
[algorithm]
name = "hsgd"
local_period = 4
global_period = 10
[grouping]
groups = 2
)toml"),
            at(8, "algorithm.global_period (10) must be a multiple of algorithm.local_period (4)"));
  // Component field names become configuration keys: quadratic.curvature_max → problem.….
  EXPECT_EQ(error_of("[run]\nworkers = 4\n[problem]\nname = \"quadratic\"\ncurvature_max = "
                     "0.05\n[algorithm]\nname = \"local_sgd\"\n"),
            at(5, "problem.curvature_max (0.05) must be at least problem.curvature_min (0.1)"));
  EXPECT_EQ(error_of("[run]\nworkers = 4\n[problem]\nname = \"quadratic\"\ngroups = 5\n"
                     "[algorithm]\nname = \"local_sgd\"\n"),
            at(5, "problem.groups (5) must not exceed run.workers (4)"));
  EXPECT_EQ(error_of("[run]\nworkers = 4\n[problem]\nname = \"mlp\"\nhidden_units = 0\n"
                     "[algorithm]\nname = \"local_sgd\"\n"),
            at(5, "problem.hidden_units (0) must be at least 1"));
  EXPECT_EQ(error_of("[run]\nworkers = 4\n[problem]\nname = \"mlp\"\n[data]\nsamples = 0\n"
                     "[algorithm]\nname = \"local_sgd\"\n"),
            at(6, "data.samples (0) must be at least 1"));
  EXPECT_EQ(error_of("[run]\nworkers = 4\n[problem]\nname = \"mlp\"\n[data]\npartition = "
                     "\"dirichlet\"\ndirichlet_alpha = 0.0\n[algorithm]\nname = \"local_sgd\"\n"),
            at(7, "data.dirichlet_alpha (0) must be finite and positive"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[cost]\ncompute_time_s = 0\n"),
            at(8, "cost.compute_time_s (0) must be a positive finite number"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[cost]\nslow_workers = [\n  { worker = 1, factor = "
                                             "2.0 },\n  { worker = 7, factor = 2.0 },\n]\n"),
            at(10, "cost.slow_workers[1].worker (7) must be a worker id in [0, 4)"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[probe]\nevery_iterations = -1\n"),
            at(8, "probe.every_iterations (-1) must be at least 0"));
  EXPECT_EQ(error_of("[run]\nworkers = 0\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"local_sgd\"\n"),
            at(2, "run.workers (0) must be at least 1"));
  EXPECT_EQ(error_of("[run]\nworkers = 6\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"dpsgd\"\n[topology]\nkind = \"hypercube\"\n"),
            at(2, "run.workers (6) must be a power of two for a hypercube"));
}

TEST_F(RunConfigTest, EngineMustExist) {
  const std::string base = "[run]\nworkers = 4\nengine = \"";
  const std::string rest = "\"\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = \"sgd\"\n";
  // "mpi" exists when MPI was built in; the configuration is then judged on its other keys.
  if (mpi_engine_available()) {
    EXPECT_EQ(error_of(base + "mpi" + rest),
              at(2,
                 "run.workers (4) must be 1 for algorithm \"sgd\"; use allreduce_sgd or "
                 "local_sgd for n > 1"));
  } else {
    EXPECT_EQ(error_of(base + "mpi" + rest),
              at(3,
                 "run.engine (\"mpi\"): this dsgdlab was built without MPI (run scripts/setup, "
                 "which installs Open MPI, and rebuild; or choose \"sim\" or \"threads\")"));
  }
  EXPECT_EQ(error_of(base + "simm" + rest),
            at(3,
               "run.engine (\"simm\") must be one of sim, threads, mpi (did you mean "
               "\"sim\"?)"));
}

/// run.mpi_averaging: only with engine mpi, one of two names, written back into config.toml.
TEST_F(RunConfigTest, MpiAveragingBelongsToTheMpiEngine) {
  const std::string algorithm =
      "[problem]\nname = \"quadratic\"\n[algorithm]\nname = \"local_sgd\"\n";
  EXPECT_EQ(error_of("[run]\nworkers = 4\nmpi_averaging = \"allreduce\"\n" + algorithm),
            at(3, "run.mpi_averaging is only used when run.engine is \"mpi\" (here \"sim\")"));
  if (!mpi_engine_available()) return;
  EXPECT_EQ(error_of("[run]\nworkers = 4\nengine = \"mpi\"\nmpi_averaging = \"sum\"\n" + algorithm),
            at(4, "run.mpi_averaging (\"sum\") must be one of ordered, allreduce"));
  const RunConfig config =
      parse("[run]\nworkers = 4\nengine = \"mpi\"\nmpi_averaging = \"allreduce\"\n" + algorithm);
  EXPECT_EQ(config.run.mpi_averaging, MpiAveraging::kAllreduce);
  EXPECT_NE(resolved_config_toml(config).find("mpi_averaging = \"allreduce\""), std::string::npos);
  EXPECT_EQ(parse("[run]\nworkers = 4\nengine = \"mpi\"\n" + algorithm).run.mpi_averaging,
            MpiAveraging::kOrdered);
}

// ---------------------------------------------------------------------------------------------
// Keys and tables the run does not use.

TEST_F(RunConfigTest, KeysOfAnotherChoiceAreErrors) {
  EXPECT_EQ(error_of(std::string(kMinimal) + "local_period = 3\n"),
            at(7,
               "algorithm.local_period is only used when algorithm.name is \"hsgd\" (here "
               "\"local_sgd\")"));
  EXPECT_EQ(error_of("[run]\nworkers = 4\n[problem]\nname = \"mlp\"\ndim = 3\n[algorithm]\nname "
                     "= \"local_sgd\"\n"),
            at(5,
               "problem.dim is only used when problem.name is \"quadratic\" or "
               "\"nonconvex_separable\" (here \"mlp\")"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "decay_factor = 0.5\n"),
            at(7,
               "algorithm.decay_factor is only used when algorithm.schedule is \"step_decay\" "
               "(here \"constant\")"));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[cost]\nserver_latency_s = 0.1\n"),
            at(8,
               "cost.server_latency_s is only used when algorithm.name is \"apsgd\" (here "
               "\"local_sgd\")"));
  EXPECT_EQ(error_of("[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"hsgd\"\nlocal_period = 2\nlevel_periods = [2, 4]\n[grouping]\ngroups = "
                     "2\n"),
            at(7,
               "algorithm.local_period is not used when algorithm.level_periods is given (it "
               "sets the period of every level)"));
  EXPECT_EQ(error_of("[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"hsgd\"\n[grouping]\nscheme = \"nested\"\ngroups = 2\n"),
            at(9,
               "grouping.groups is not used when grouping.scheme is \"nested\" (use "
               "grouping.cluster_sizes)"));
  EXPECT_EQ(error_of("[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"dpsgd\"\n[topology]\nkind = \"ring\"\nmixing = \"file\"\nmixing_file = "
                     "\"W.txt\"\n"),
            at(8,
               "topology.kind is not used when topology.mixing is \"file\" (the graph is the "
               "support of the matrix)"));
  EXPECT_EQ(error_of("[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"adpsgd\"\n[topology]\nmixing = \"uniform\"\n"),
            at(8,
               "topology.mixing is only used when algorithm.name is \"dpsgd\" (here "
               "\"adpsgd\")"));
}

TEST_F(RunConfigTest, TablesTheRunDoesNotUseAreErrors) {
  EXPECT_EQ(error_of(std::string(kMinimal) + "[data]\nsamples = 10\n"),
            at(7,
               "[data] is only used by the data-driven problems (logistic_nonconvex, mlp, "
               "robust_regression), but problem.name is \"quadratic\""));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[topology]\nkind = \"ring\"\n"),
            at(7,
               "[topology] is only used by dpsgd and adpsgd, but algorithm.name is "
               "\"local_sgd\""));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[grouping]\ngroups = 2\n"),
            at(7, "[grouping] is only used by hsgd, but algorithm.name is \"local_sgd\""));
}

// ---------------------------------------------------------------------------------------------
// What each algorithm needs.

TEST_F(RunConfigTest, AlgorithmRequirements) {
  const std::string head = "[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n";
  for (const char* name : {"dpsgd", "adpsgd"}) {
    EXPECT_EQ(error_of(head + "[algorithm]\nname = \"" + name + "\"\n"),
              at(6, "algorithm \"" + std::string(name) +
                        "\" needs a [topology] table (the communication graph, e.g. kind = "
                        "\"ring\")"));
  }
  EXPECT_EQ(error_of(head + "[algorithm]\nname = \"hsgd\"\n"),
            at(6,
               "algorithm \"hsgd\" needs a [grouping] table (e.g. scheme = \"random\", groups "
               "= 4)"));
  EXPECT_EQ(error_of(head + "[algorithm]\nname = \"sgd\"\n"),
            at(2,
               "run.workers (8) must be 1 for algorithm \"sgd\"; use allreduce_sgd or "
               "local_sgd for n > 1"));
  EXPECT_NO_THROW(parse(head + "[algorithm]\nname = \"adpsgd\"\npairing = \"bipartite\"\n"
                               "[topology]\nkind = \"hypercube\"\n"));
}

TEST_F(RunConfigTest, GroupingRequirements) {
  const std::string head =
      "[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = \"hsgd\"\n";
  EXPECT_EQ(error_of(head + "[grouping]\nscheme = \"label_aligned\"\ngroups = 2\n"),
            at(8,
               "grouping.scheme (\"label_aligned\") groups workers by their class labels, "
               "which only data-driven problems have (problem.name is \"quadratic\")"));
  EXPECT_EQ(error_of(head + "[grouping]\nscheme = \"random\"\ngroups = 3\n"),
            at(9,
               "grouping.groups (3) must divide the number of workers (8) for random equal-size "
               "grouping"));
  EXPECT_EQ(error_of(head + "[grouping]\nscheme = \"nested\"\ncluster_sizes = [2, 4]\n"),
            at(9,
               "grouping.cluster_sizes ([2, 4]) gives 3 levels (one period per level, the last "
               "for all workers), but algorithm.local_period and algorithm.global_period give "
               "2 periods; set algorithm.level_periods instead"));
  EXPECT_EQ(error_of("[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"hsgd\"\nlevel_periods = [2, 4]\n[grouping]\nscheme = \"nested\"\n"
                     "cluster_sizes = [2, 4]\n"),
            at(7,
               "algorithm.level_periods has 2 periods but the grouping has 3 levels (one "
               "period per level, the last for all workers)"));
  EXPECT_EQ(error_of(head + "[grouping]\nscheme = \"nested\"\ncluster_sizes = [3]\n"),
            at(9, "grouping.cluster_sizes[0] (3) must divide the number of workers (8)"));
}

TEST_F(RunConfigTest, FilesThatMustBeNamed) {
  EXPECT_EQ(error_of("[run]\nworkers = 2\n[problem]\nname = \"mlp\"\n[data]\nsource = "
                     "\"libsvm\"\n[algorithm]\nname = \"local_sgd\"\n"),
            at(5, "data.file must name a LIBSVM file when data.source is \"libsvm\""));
  EXPECT_EQ(error_of("[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
                     "\"dpsgd\"\n[topology]\nmixing = \"file\"\n"),
            at(7, "topology.mixing_file must name a file when topology.mixing is \"file\""));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[cost]\ncompute_distribution = \"trace\"\n"),
            at(7,
               "cost.compute_trace_file must name a file when cost.compute_distribution is "
               "\"trace\""));
  EXPECT_EQ(error_of(std::string(kMinimal) + "[cost]\ncompute_distribution = \"trace\"\n"
                                             "compute_trace_file = \"\"\n"),
            at(9, "cost.compute_trace_file (\"\") must name a file"));
}

TEST_F(RunConfigTest, SuiteFilesAreRefusedAsOneConfiguration) {
  EXPECT_EQ(error_of("# a suite\n[suite]\nname = \"rates\"\n[defaults]\nworkers = 4\n"),
            at(2,
               "this file is a suite ([suite] table): run it with `dsgdlab run SUITE --out "
               "DIR`, not as one configuration"));
}

// ---------------------------------------------------------------------------------------------
// The resolved configuration.

/// Parses `text`, writes its resolved form into another directory, parses that back, and
/// checks that the configurations are equal and the resolved text is a fixed point.
void expect_round_trip(const RunConfig& config, const fs::path& other_dir) {
  const std::string resolved = resolved_config_toml(config);
  fs::create_directories(other_dir);
  const RunConfig again = parse_run_config_text(resolved, other_dir / "config.toml");
  EXPECT_TRUE(again == config) << resolved;
  EXPECT_EQ(resolved_config_toml(again), resolved);
}

TEST_F(RunConfigTest, ResolvedConfigRoundTrips) {
  const std::vector<std::string> texts = {
      kMinimal,
      R"toml([run]
workers = 8
iterations = 300
seed = 5
max_virtual_time_s = 1e5
[problem]
name = "nonconvex_separable"
curvature_sharing = "per_worker"
cosine_weight = 0.3333333333333333
[algorithm]
name = "dpsgd"
step_size = 0.1
schedule = "inverse_sqrt"
decay_every = 50
[topology]
kind = "edge_list"
edge_list_file = "edges.txt"
[cost]
compute_distribution = "exponential"
slow_workers = [{ worker = 1, factor = 3.5 }]
slow_links = [{ u = 0, v = 1, latency_factor = 2.0, bandwidth_factor = 4.0 }]
link_latency_s = 1e-3
)toml",
      R"toml([run]
workers = 16
[problem]
name = "robust_regression"
[data]
source = "libsvm"
file = "x.svm"
partition = "quantity_skew"
feature_shift = 0.5
outlier_fraction = 0.25
[algorithm]
name = "hsgd"
level_periods = [2, 4, 8]
[grouping]
scheme = "nested"
cluster_sizes = [2, 8]
random = true
[probe]
every_virtual_time_s = 2.5
)toml",
      R"toml([run]
workers = 4
[problem]
name = "mlp"
[algorithm]
name = "apsgd"
[cost]
server_latency_s = 0.01
server_bandwidth_bytes_per_s = 1e9
compute_distribution = "trace"
compute_trace_file = "trace.txt"
)toml",
      R"toml([run]
workers = 8
[problem]
name = "logistic_nonconvex"
[data]
partition = "dirichlet"
[algorithm]
name = "hsgd"
schedule = "step_decay"
[grouping]
scheme = "label_covering"
groups = 4
)toml",
      R"toml([run]
workers = 8
[problem]
name = "quadratic"
[algorithm]
name = "dpsgd"
[topology]
mixing = "file"
mixing_file = "W.txt"
)toml",
  };
  for (std::size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE("configuration " + std::to_string(i));
    expect_round_trip(parse(texts[i]), dir_ / ("copy" + std::to_string(i)));
  }
}

TEST_F(RunConfigTest, ResolvedConfigListsEveryUsedKeyAndOnlyThose) {
  const std::string resolved = resolved_config_toml(parse(kMinimal));
  for (const char* expected :
       {"[run]\nworkers = 4\niterations = 1000\nseed = 0\nmax_virtual_time_s = inf\nengine = "
        "\"sim\"\n",
        "[problem]\nname = \"quadratic\"\ndim = 10\ncurvature_min = 0.1\ncurvature_max = 1.0\n",
        "[algorithm]\nname = \"local_sgd\"\nstep_size = 0.05\nschedule = \"constant\"\nbatch_size "
        "= 1\nperiod = 1\n",
        "link_bandwidth_bytes_per_s = inf\nslow_links = []\n",
        "[probe]\nevery_iterations = 10\nevery_virtual_time_s = 0.0\nrunning_average_every = "
        "1\n"}) {
    EXPECT_NE(resolved.find(expected), std::string::npos) << "missing\n"
                                                          << expected << "\nin\n"
                                                          << resolved;
  }
  for (const char* absent : {"[data]", "[topology]", "[grouping]", "cosine_weight", "local_period",
                             "decay_factor", "server_latency_s", "lognormal_sigma"}) {
    EXPECT_EQ(resolved.find(absent), std::string::npos) << absent << " in\n" << resolved;
  }
}

TEST_F(RunConfigTest, EqualityComparesEveryKey) {
  const RunConfig a = parse(kMinimal);
  RunConfig b = a;
  b.lines.clear();
  b.file = "elsewhere.toml";
  EXPECT_TRUE(a == b);  // file and lines are not part of the configuration
  b.cost.slow_workers.push_back({.worker = 1, .factor = 2.0});
  EXPECT_FALSE(a == b);
  b = a;
  b.problem.mlp.hidden_units = 7;  // unused by this run, still compared
  EXPECT_FALSE(a == b);
  b = a;
  b.algorithm.step.initial = std::nextafter(0.05, 1.0);
  EXPECT_FALSE(a == b);
}

TEST_F(RunConfigTest, ExampleConfigsParseAndRoundTrip) {
  const fs::path configs = fs::path(DSGDLAB_SOURCE_DIR) / "experiments" / "configs";
  int count = 0;
  for (const auto& entry : fs::directory_iterator(configs)) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    ++count;
    const RunConfig config = parse_run_config(entry.path());
    expect_round_trip(config, dir_ / entry.path().stem());
  }
  EXPECT_GE(count, 11);
}

}  // namespace
}  // namespace dsgdlab
