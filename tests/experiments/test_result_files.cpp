#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/result_files.hpp"
#include "dsgdlab/experiments/run_command.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ResultFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("dsgdlab_result_files_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  BuiltRun build(const std::string& text) const {
    return build_run(parse_run_config_text(text, dir_ / "run.toml"));
  }
  std::vector<std::string> files_in(const fs::path& directory) const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

constexpr const char* kHsgd = R"toml([run]
workers = 8
iterations = 400
seed = 1
[problem]
name = "quadratic"
dim = 4
[algorithm]
name = "hsgd"
local_period = 2
global_period = 8
[grouping]
scheme = "random"
groups = 4
)toml";

constexpr const char* kAdpsgd = R"toml([run]
workers = 4
iterations = 6
[problem]
name = "quadratic"
dim = 3
[algorithm]
name = "adpsgd"
[topology]
kind = "ring"
)toml";

std::vector<TraceRow> two_rows() {
  return {TraceRow{.iteration = 0,
                   .gradient_evaluations = 0,
                   .virtual_time_s = 0.0,
                   .wall_time_s = 0.0,
                   .step_size = 0.05,
                   .loss = 1.5,
                   .grad_norm_sq = 2.0,
                   .running_avg_grad_norm_sq = 2.0,
                   .consensus = 0.0,
                   .extra = {}},
          TraceRow{.iteration = 10,
                   .gradient_evaluations = 80,
                   .virtual_time_s = 10.5,
                   .wall_time_s = 0.001,
                   .step_size = 0.05,
                   .loss = 0.1,
                   .grad_norm_sq = 0.25,
                   .running_avg_grad_norm_sq = 1.125,
                   .consensus = 0.3,
                   .extra = {}}};
}

RunResult sync_result() {
  RunResult result;
  result.trace = two_rows();
  result.iterations = 10;
  result.gradient_evaluations = 80;
  result.virtual_time_s = 10.5;
  result.wall_time_s = 0.25;
  result.probe_time_s = 0.125;
  result.worker_updates.assign(8, 10);
  return result;
}

// ---------------------------------------------------------------------------------------------
// trace.csv

TEST_F(ResultFilesTest, TraceTableHasTheTraceColumnsAndOneRowPerTraceRow) {
  const CsvTable table = trace_table(two_rows());
  EXPECT_EQ(table.header(), trace_columns());
  EXPECT_EQ(table.num_rows(), 2u);
  EXPECT_EQ(table.to_string(),
            "iteration,gradient_evaluations,virtual_time_s,step_size,loss,"
            "grad_norm_sq,running_avg_grad_norm_sq,consensus\n"
            "0,0,0,0.05,1.5,2,2,0\n"
            "10,80,10.5,0.05,0.1,0.25,1.125,0.3\n");
  EXPECT_EQ(timing_table(two_rows()).to_string(), "iteration,wall_time_s\n0,0\n10,0.001\n");
  EXPECT_EQ(trace_table({}).to_string(),
            "iteration,gradient_evaluations,virtual_time_s,step_size,loss,"
            "grad_norm_sq,running_avg_grad_norm_sq,consensus\n");
}

TEST(TraceTable, ExtraColumnsFollowTheBuiltInOnesAndMustMatchEveryRow) {
  std::vector<TraceRow> rows = two_rows();
  rows[0].extra = {0.5, 2.0};
  rows[1].extra = {0.25, 1.0};
  const std::vector<std::string> extra{"heterogeneity", "noise_variance_mean"};
  const std::string text = trace_table(rows, extra).to_string();
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "iteration,gradient_evaluations,virtual_time_s,step_size,loss,grad_norm_sq,"
            "running_avg_grad_norm_sq,consensus,heterogeneity,noise_variance_mean");
  EXPECT_NE(text.find(",0.3,0.25,1\n"), std::string::npos) << text;
  rows[1].extra.pop_back();
  EXPECT_THROW(trace_table(rows, extra), std::logic_error);
}

// ---------------------------------------------------------------------------------------------
// summary.json

TEST_F(ResultFilesTest, SynchronousSummary) {
  const BuiltRun run = build(kHsgd);
  const json summary = run_summary(run, sync_result());
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["status_message"], "");
  EXPECT_EQ(summary["engine"], "sim");
  EXPECT_EQ(summary["seed"], 1);
  EXPECT_EQ(summary["workers"], 8);
  EXPECT_EQ(summary["algorithm"]["name"], "hsgd");
  EXPECT_EQ(summary["algorithm"]["asynchronous"], false);
  EXPECT_EQ(summary["algorithm"]["description"],
            "hsgd: local period 2, global period 8; step 0.05 (constant); batch 1");
  EXPECT_EQ(summary["problem"]["name"], "quadratic");
  EXPECT_EQ(summary["problem"]["dim"], 4);
  EXPECT_EQ(summary["problem"]["description"], run.problem->describe());
  EXPECT_TRUE(summary["topology"].is_null());
  EXPECT_EQ(summary["grouping"]["description"], "random, 4 groups of 2 workers");
  EXPECT_EQ(summary["grouping"]["clusters_per_level"], json({8, 4, 1}));
  EXPECT_EQ(summary["iterations_planned"], 400);
  EXPECT_EQ(summary["iterations"], 10);
  EXPECT_EQ(summary["gradient_evaluations"], 80);
  EXPECT_EQ(summary["virtual_time_s"], 10.5);
  EXPECT_EQ(summary["wall_time_s"], 0.25);
  EXPECT_EQ(summary["probe_time_s"], 0.125);
  EXPECT_EQ(summary["trace_rows"], 2);
  EXPECT_EQ(summary["running_average_every"], 1);
  const json& last = summary["final"];
  EXPECT_EQ(last["iteration"], 10);
  EXPECT_EQ(last["loss"], 0.1);
  EXPECT_EQ(last["grad_norm_sq"], 0.25);
  EXPECT_EQ(last["running_avg_grad_norm_sq"], 1.125);
  EXPECT_EQ(last["consensus"], 0.3);
  // Quadratic with shared curvatures: every constant exact.
  const json& constants = summary["constants"];
  EXPECT_EQ(constants["smoothness"]["value"], 1.0);
  EXPECT_EQ(constants["smoothness"]["origin"], "exact");
  EXPECT_EQ(constants["noise_variance"]["value"], 1.0);
  EXPECT_EQ(constants["noise_variance"]["origin"], "exact");
  EXPECT_EQ(constants["noise_variance"]["measured"]["estimates"], 0);  // no probe ran
  EXPECT_EQ(constants["initial_gap"]["origin"], "exact");
  EXPECT_EQ(constants["initial_gap"]["value"],
            constants["initial_loss"]["value"].get<double>() -
                constants["optimum_value"]["value"].get<double>());
  EXPECT_EQ(constants["optimum_value"]["value"], run.problem->optimum_value()->value);
  EXPECT_EQ(constants["heterogeneity"]["value"], run.problem->heterogeneity()->value);
  EXPECT_EQ(constants["heterogeneity"]["origin"], "exact");
  EXPECT_EQ(summary["worker_updates"], json(std::vector<int>(8, 10)));
  EXPECT_TRUE(summary["staleness"].is_null());
  EXPECT_TRUE(summary["pair_counts"].is_null());
}

TEST_F(ResultFilesTest, ConstantsAProblemDoesNotKnowAreEstimatedAndSaySo) {
  const BuiltRun run = build(
      "[run]\nworkers = 2\n[problem]\nname = \"mlp\"\nhidden_units = 3\n[data]\nsamples = 40\n"
      "features = 3\nclasses = 2\n[algorithm]\nname = \"local_sgd\"\n[estimators]\n"
      "optimum_iterations = 50\n");
  const json constants = run_summary(run, RunResult{})["constants"];
  EXPECT_EQ(constants["smoothness"]["origin"], "estimated");
  EXPECT_GT(constants["smoothness"]["value"].get<double>(), 0.0);
  EXPECT_NE(constants["smoothness"]["method"].get<std::string>().find("lower bound"),
            std::string::npos);
  EXPECT_EQ(constants["optimum_value"]["origin"], "estimated");
  EXPECT_LE(constants["optimum_value"]["value"].get<double>(),
            constants["initial_loss"]["value"].get<double>());
  EXPECT_EQ(constants["initial_gap"]["origin"], "estimated");
  EXPECT_TRUE(constants["noise_variance"]["value"].is_null());    // not sampled: no checkpoint
  EXPECT_TRUE(run_summary(run, RunResult{})["final"].is_null());  // no trace row
}

TEST_F(ResultFilesTest, AsynchronousSummaryHasStalenessAndPairCounts) {
  const BuiltRun run = build(kAdpsgd);
  RunResult result;
  result.iterations = 6;
  result.updates = {{0, 0}, {1, 1}, {2, 2}, {3, 3}, {0, 3}, {1, 3}};
  result.worker_updates = {2, 2, 1, 1};
  result.pair_counts = {1, 2, 3, 0};  // ring(4) edges: {0,1}, {0,3}, {1,2}, {2,3}
  const json summary = run_summary(run, result);
  EXPECT_EQ(summary["algorithm"]["asynchronous"], true);
  EXPECT_EQ(summary["topology"]["kind"], "ring");
  EXPECT_EQ(summary["topology"]["description"], "ring: 4 workers, 4 edges, degree 2");
  // AD-PSGD: the spectra of E[W] from the nominal rates and from the pair counts.
  ASSERT_EQ(summary["spectral"].size(), 2u);
  EXPECT_EQ(summary["spectral"][0]["matrix"], "E[W] nominal");
  EXPECT_EQ(summary["spectral"][1]["matrix"], "E[W] measured");
  EXPECT_EQ(summary["spectral"][1]["origin"], "estimated");
  const json& staleness = summary["staleness"];
  EXPECT_EQ(staleness["updates"], 6);
  EXPECT_EQ(staleness["max"], 3);
  EXPECT_EQ(staleness["mean"], 2.0);
  EXPECT_EQ(staleness["p50"], 2);  // sorted 0 1 2 3 3 3, rank 3
  EXPECT_EQ(staleness["p95"], 3);
  EXPECT_EQ(staleness["p99"], 3);
  EXPECT_EQ(staleness["quantile_method"], "nearest_rank");
  ASSERT_EQ(staleness["per_worker"].size(), 4u);
  EXPECT_EQ(staleness["per_worker"][0],
            json({{"worker", 0}, {"updates", 2}, {"mean", 1.5}, {"max", 3}}));
  EXPECT_EQ(summary["worker_updates"], json({2, 2, 1, 1}));
  EXPECT_EQ(summary["pair_counts"],
            json::parse(R"([{"u":0,"v":1,"count":1},{"u":0,"v":3,"count":2},)"
                        R"({"u":1,"v":2,"count":3},{"u":2,"v":3,"count":0}])"));

  result.pair_counts.pop_back();
  EXPECT_THROW(run_summary(run, result), std::logic_error);
  // ... and then nothing is written.
  EXPECT_THROW(write_run_results(dir_ / "out", run, result), std::logic_error);
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

// ---------------------------------------------------------------------------------------------
// The five files.

TEST_F(ResultFilesTest, WritesTheResultFilesAtomically) {
  const BuiltRun run = build(kHsgd);
  const RunResult result = sync_result();
  const fs::path out = dir_ / "results" / "hsgd";
  write_run_results(out, run, result);
  // Exactly the five files: no temporary is left behind.
  EXPECT_EQ(files_in(out), (std::vector<std::string>{"bounds.csv", "config.toml", "summary.json",
                                                     "timing.csv", "trace.csv"}));
  const RunConfig again = parse_run_config(out / "config.toml");
  EXPECT_TRUE(again == run.config);
  EXPECT_EQ(read_file(out / "config.toml"), resolved_config_toml(run.config));
  EXPECT_EQ(read_file(out / "trace.csv"), trace_table(result.trace).to_string());
  EXPECT_EQ(read_file(out / "timing.csv"), timing_table(result.trace).to_string());
  EXPECT_EQ(read_json(out / "summary.json"), run_summary(run, result));
  // Writing again replaces the files.
  RunResult later = result;
  later.iterations = 20;
  write_run_results(out, run, later);
  EXPECT_EQ(read_json(out / "summary.json")["iterations"], 20);
  EXPECT_EQ(files_in(out).size(), 5u);
}

TEST_F(ResultFilesTest, DivergedRunStillWritesItsTrace) {
  const BuiltRun run = build(kHsgd);
  RunResult result = sync_result();
  result.status = Status::diverged("loss is NaN at iteration 10");
  result.trace.back().loss = std::numeric_limits<double>::quiet_NaN();
  result.trace.back().grad_norm_sq = std::numeric_limits<double>::infinity();
  write_run_results(dir_, run, result);
  const json summary = read_json(dir_ / "summary.json");
  EXPECT_EQ(summary["status"], "diverged");
  EXPECT_EQ(summary["status_message"], "loss is NaN at iteration 10");
  EXPECT_TRUE(summary["final"]["loss"].is_null());  // JSON has no NaN
  EXPECT_TRUE(summary["final"]["grad_norm_sq"].is_null());
  EXPECT_EQ(read_file(dir_ / "trace.csv"),
            "iteration,gradient_evaluations,virtual_time_s,step_size,loss,"
            "grad_norm_sq,running_avg_grad_norm_sq,consensus\n"
            "0,0,0,0.05,1.5,2,2,0\n"
            "10,80,10.5,0.05,nan,inf,1.125,0.3\n");
}

TEST_F(ResultFilesTest, NothingIsWrittenWhenTheBuildFails) {
  const fs::path config = dir_ / "bad.toml";
  std::ofstream(config) << "[run]\nworkers = 8\n[problem]\nname = \"quadratic\"\n[algorithm]\n"
                           "name = \"hsgd\"\n[grouping]\nscheme = \"random\"\ngroups = 3\n";
  const fs::path out = dir_ / "out";
  try {
    run_config_file(config, out);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              config.string() +
                  ":9: grouping.groups (3) must divide the number of workers (8) "
                  "for random equal-size grouping");
  }
  EXPECT_FALSE(fs::exists(out));

  // A data constraint found while building, after parsing succeeded.
  std::ofstream(config, std::ios::trunc)
      << "[run]\nworkers = 8\n[problem]\nname = \"mlp\"\n[data]\nsamples = 4\n[algorithm]\n"
         "name = \"local_sgd\"\n";
  EXPECT_THROW(run_config_file(config, out), InputError);
  EXPECT_FALSE(fs::exists(out));

  // An output path that is a file is refused before the run.
  const fs::path good = dir_ / "good.toml";
  std::ofstream(good) << "[run]\nworkers = 1\n[problem]\nname = \"quadratic\"\n[algorithm]\n"
                         "name = \"sgd\"\n";
  const fs::path occupied = dir_ / "occupied";
  std::ofstream(occupied) << "keep";
  EXPECT_THROW(run_config_file(good, occupied), InputError);
  EXPECT_EQ(read_file(occupied), "keep");
}

TEST_F(ResultFilesTest, OneLineSummaryAndDefaultDirectory) {
  const BuiltRun run = build(kHsgd);
  RunResult result = sync_result();
  EXPECT_EQ(one_line_summary(run, result, "results/hsgd"),
            "hsgd on quadratic: ok, 10 iterations, final loss 0.1, virtual time 10.5 s; results "
            "in results/hsgd");
  result.status = Status::diverged("loss is NaN");
  result.trace.clear();
  EXPECT_EQ(one_line_summary(run, result, "out"),
            "hsgd on quadratic: diverged (loss is NaN), 10 iterations, final loss n/a, virtual "
            "time 10.5 s; results in out");
  EXPECT_EQ(default_output_directory("experiments/configs/hsgd.toml"), fs::path("results/hsgd"));
}

}  // namespace
}  // namespace dsgdlab
