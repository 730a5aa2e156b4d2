// Runs the real `dsgdlab run` executable as a user would: exit codes, messages, result files.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "dsgdlab_process.hpp"

namespace {

using dsgdlab_process::read_text;
using dsgdlab_process::run_dsgdlab;

namespace fs = std::filesystem;

class RunCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("dsgdlab_run_command_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

constexpr const char* kGood = R"toml(# A tiny run: 4 workers of local SGD on quadratics.
[run]
workers = 4
iterations = 40
seed = 3
[problem]
name = "quadratic"
dim = 5
[algorithm]
name = "local_sgd"
period = 4
[probe]
every_iterations = 10
)toml";

TEST_F(RunCommand, BadConfigExitsTwoAndWritesNothing) {
  std::ofstream(dir_ / "bad.toml") << "[run]\nworkers = 4\n[problem]\nname = \"quadratic\"\n"
                                      "[algorithm]\nname = \"local_sgd\"\nsetp_size = 0.1\n";
  const auto result = run_dsgdlab("run bad.toml --out out", dir_);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_EQ(result.output,
            "dsgdlab: bad.toml:7: unknown key \"setp_size\" in [algorithm] (did you mean "
            "\"step_size\"?)\n");
  EXPECT_FALSE(fs::exists(dir_ / "out"));
  // Without --out the default directory is not created either.
  EXPECT_EQ(run_dsgdlab("run bad.toml", dir_).exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "results"));
}

TEST_F(RunCommand, EmptySuiteMissingFileAndMissingArgumentExitTwo) {
  std::ofstream(dir_ / "suite.toml") << "[suite]\nname = \"rates\"\n";
  const auto suite = run_dsgdlab("run suite.toml", dir_);
  EXPECT_EQ(suite.exit_code, 2) << suite.output;
  EXPECT_EQ(suite.output,
            "dsgdlab: suite.toml:1: a suite needs a [defaults] run configuration or [[run]] "
            "entries\n");
  const auto missing = run_dsgdlab("run absent.toml", dir_);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("absent.toml"), std::string::npos) << missing.output;
  EXPECT_EQ(run_dsgdlab("run", dir_).exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "results"));
}

TEST_F(RunCommand, GoodConfigWritesTheResultFilesAndReproducesTheTraceByteForByte) {
  std::ofstream(dir_ / "tiny.toml") << kGood;
  const auto first = run_dsgdlab("run tiny.toml --out first", dir_);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output.rfind("local_sgd on quadratic: ok, 40 iterations, final loss ", 0), 0u)
      << first.output;
  for (const char* name : {"config.toml", "trace.csv", "timing.csv", "summary.json"}) {
    EXPECT_TRUE(fs::is_regular_file(dir_ / "first" / name)) << name;
  }
  const auto summary = nlohmann::json::parse(read_text(dir_ / "first" / "summary.json"));
  EXPECT_EQ(summary["status"], "ok");
  EXPECT_EQ(summary["iterations"], 40);
  EXPECT_EQ(read_text(dir_ / "first" / "trace.csv")
                .rfind("iteration,gradient_evaluations,virtual_time_s,", 0),
            0u);

  // The resolved configuration reproduces the run (wall times, kept in timing.csv, aside).
  const auto second = run_dsgdlab("run first/config.toml --out second", dir_);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(read_text(dir_ / "second" / "config.toml"), read_text(dir_ / "first" / "config.toml"));
  // The sim engine is a pure function of the configuration: the trace is byte-identical.
  EXPECT_EQ(read_text(dir_ / "second" / "trace.csv"), read_text(dir_ / "first" / "trace.csv"));
  const auto again = nlohmann::json::parse(read_text(dir_ / "second" / "summary.json"));
  EXPECT_EQ(again["final"], summary["final"]);
  EXPECT_EQ(again["virtual_time_s"], summary["virtual_time_s"]);

  // --out defaults to results/<config stem>.
  const auto default_out = run_dsgdlab("run tiny.toml", dir_);
  ASSERT_EQ(default_out.exit_code, 0) << default_out.output;
  EXPECT_TRUE(fs::is_regular_file(dir_ / "results" / "tiny" / "summary.json"));
}

TEST_F(RunCommand, HsgdResultsCarryTheEstimatorsWithTheirOrigins) {
  // The example H-SGD configuration: two levels, so the trace has the divergence split.
  const fs::path config = fs::path(DSGDLAB_SOURCE_DIR) / "experiments/configs/hsgd.toml";
  const auto run = run_dsgdlab("run '" + config.string() + "' --out out", dir_);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string trace = read_text(dir_ / "out" / "trace.csv");
  EXPECT_EQ(trace.substr(0, trace.find('\n')),
            "iteration,gradient_evaluations,virtual_time_s,step_size,loss,grad_norm_sq,"
            "running_avg_grad_norm_sq,consensus,heterogeneity,intra_group_divergence,"
            "inter_group_divergence,intra_group_consensus,inter_group_consensus,"
            "noise_variance_mean,noise_variance_max");
  const auto summary = nlohmann::json::parse(read_text(dir_ / "out" / "summary.json"));
  const auto& constants = summary["constants"];
  for (const char* name : {"smoothness", "noise_variance", "heterogeneity", "optimum_value",
                           "initial_loss", "initial_gap"}) {
    ASSERT_TRUE(constants.contains(name)) << name;
    const std::string origin = constants[name]["origin"];
    EXPECT_TRUE(origin == "exact" || origin == "upper_bound" || origin == "estimated")
        << name << ": " << origin;
  }
  EXPECT_EQ(constants["smoothness"]["origin"], "exact");  // quadratic knows L
  // σ² = 1 configured; 41 checkpoints × 8 workers × 4 samples: 2.5 Student-t half-widths
  // (about 5 standard errors) is missed with probability < 1e-6.
  const auto& measured = constants["noise_variance"]["measured"];
  EXPECT_NEAR(measured["mean"].get<double>(), 1.0,
              2.5 * measured["mean_ci95_half_width"].get<double>());
  for (const char* column : {"heterogeneity", "intra_group_divergence", "inter_group_divergence",
                             "intra_group_consensus", "inter_group_consensus",
                             "noise_variance_mean", "noise_variance_max"}) {
    ASSERT_TRUE(summary["trajectory"].contains(column)) << column;
    EXPECT_EQ(summary["trajectory"][column]["points"], 41) << column;
  }
  EXPECT_EQ(summary["trajectory"]["noise_variance_mean"]["origin"], "estimated");
  EXPECT_EQ(summary["trajectory"]["heterogeneity"]["origin"], "exact");
  EXPECT_TRUE(summary["spectral"].is_null());
}

TEST_F(RunCommand, AdpsgdResultsReportRhoAndStalenessHistogram) {
  const fs::path config = fs::path(DSGDLAB_SOURCE_DIR) / "experiments/configs/adpsgd.toml";
  const auto run = run_dsgdlab("run '" + config.string() + "' --out out", dir_);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto summary = nlohmann::json::parse(read_text(dir_ / "out" / "summary.json"));
  ASSERT_EQ(summary["spectral"].size(), 2u);
  for (const auto& spectrum : summary["spectral"]) {
    EXPECT_EQ(spectrum["solver_status"], "ok") << spectrum.dump();
    EXPECT_GT(spectrum["rho"].get<double>(), 0.0);
    EXPECT_LT(spectrum["rho"].get<double>(), 1.0);
  }
  std::int64_t total = 0;
  for (const auto& bin : summary["staleness"]["histogram"])
    total += bin["count"].get<std::int64_t>();
  EXPECT_EQ(total, summary["staleness"]["updates"].get<std::int64_t>());
  EXPECT_TRUE(summary["trajectory"].contains("heterogeneity_weighted"));
}

}  // namespace

namespace dsgdlab {
namespace {

constexpr const char* kSuiteFile = R"toml([suite]
name = "cli_suite"
seeds = 2
[suite.quick]
seeds = 1
[defaults.run]
workers = 2
iterations = 30
[defaults.problem]
name = "quadratic"
dim = 2
[defaults.algorithm]
name = "allreduce_sgd"
step_size = 0.1
[sweep]
"run.iterations" = [10, 20]
)toml";

TEST_F(RunCommand, SuiteRunsEveryRunResumesAndRefusesSuiteOptionsForAConfig) {
  std::ofstream(dir_ / "suite.toml") << kSuiteFile;
  const auto first = run_dsgdlab("run suite.toml --out results --jobs 2", dir_);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(first.output,
            "suite cli_suite: 4 runs, 4 run now, 0 already done, 0 failed; results in results\n");
  EXPECT_TRUE(fs::exists(dir_ / "results" / "suite.json"));
  const auto again = run_dsgdlab("run suite.toml --out results", dir_);
  EXPECT_EQ(again.output,
            "suite cli_suite: 4 runs, 0 run now, 4 already done, 0 failed; results in results\n");
  const auto quick = run_dsgdlab("run suite.toml --out quick --quick --engine threads", dir_);
  EXPECT_EQ(quick.exit_code, 0) << quick.output;
  EXPECT_EQ(quick.output,
            "suite cli_suite (quick): 2 runs, 2 run now, 0 already done, 0 failed; results in "
            "quick\n");
  std::ofstream(dir_ / "tiny.toml") << kGood;
  const auto refused = run_dsgdlab("run tiny.toml --quick", dir_);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.output,
            "dsgdlab: --quick applies to suite files; tiny.toml is a run configuration (set "
            "run.engine in it to choose the engine)\n");
  const auto bad_jobs = run_dsgdlab("run suite.toml --out other --jobs 0", dir_);
  EXPECT_EQ(bad_jobs.exit_code, 2);
  EXPECT_EQ(bad_jobs.output, "dsgdlab: --jobs (0) must be in [1, 1024]\n");
  EXPECT_FALSE(fs::exists(dir_ / "other"));
}

}  // namespace
}  // namespace dsgdlab
