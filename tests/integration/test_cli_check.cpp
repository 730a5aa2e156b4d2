// Runs the real `dsgdlab check` and `dsgdlab report` executables as a user (and CI) would: a
// tiny suite run, its baseline written, then a deliberately slowed algorithm failing the check.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "../experiments/suite_results_test_support.hpp"
#include "dsgdlab_process.hpp"

namespace {

using dsgdlab_process::read_text;
using dsgdlab_process::run_dsgdlab;

namespace fs = std::filesystem;
using nlohmann::json;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// AllReduce-SGD on quadratics at K = 100, 400, 1600 with the corollary's step c/√K, 5 seeds
/// (15 runs, well under a second): R(K) ∝ K^(-1/2). `step_scale` multiplies every step: a
/// much smaller step is the deliberately slowed algorithm.
std::string tiny_suite(double step_scale) {
  std::string text = R"toml(# A tiny rate suite for the check tests.
[suite]
name = "tiny_rate"
seed = 3
seeds = 5

[defaults.run]
workers = 4
[defaults.problem]
name = "quadratic"
dim = 5
noise_variance = 1.0
[defaults.algorithm]
name = "allreduce_sgd"
batch_size = 1
[defaults.probe]
every_iterations = 10
)toml";
  const std::pair<int, double> points[] = {{100, 0.1}, {400, 0.05}, {1600, 0.025}};
  for (const auto& [iterations, step] : points) {
    std::ostringstream entry;
    entry << "\n[[run]]\n[run.run]\niterations = " << iterations
          << "\n[run.algorithm]\nstep_size = " << step * step_scale << "\n";
    text += entry.str();
  }
  text += R"toml(
[[claim]]
name = "rate"
verdict = "rate"
x = "run.iterations"

[[claim]]
name = "bound"
verdict = "bound_holds"
where = { "run.iterations" = 1600 }
bound = "allreduce_sgd"
)toml";
  return text;
}

class CheckCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("dsgdlab_check_command_" + std::string(test->name()) + "_" +
                                        std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CheckCommand, DeliberatelySlowedAlgorithmFailsAgainstTheBaseline) {
  std::ofstream(dir_ / "tiny.toml") << tiny_suite(1.0);
  std::ofstream(dir_ / "slow.toml") << tiny_suite(0.05);  // 20x smaller steps
  const auto run = run_dsgdlab("run tiny.toml --out results/tiny_rate", dir_);
  ASSERT_EQ(run.exit_code, 0) << run.output;

  const auto update = run_dsgdlab("check results --baseline baselines --update-baseline", dir_);
  ASSERT_EQ(update.exit_code, 0) << update.output;
  EXPECT_TRUE(contains(update.output, "baseline written to baselines/tiny_rate.json"))
      << update.output;
  const json baseline = json::parse(read_text(dir_ / "baselines" / "tiny_rate.json"));
  EXPECT_EQ(baseline["format"], "dsgdlab-baseline/1");
  EXPECT_EQ(baseline["suite"], "tiny_rate");
  EXPECT_TRUE(baseline["claims"]["rate"]["numbers"].contains("slope"));

  const auto same = run_dsgdlab("check results --baseline baselines", dir_);
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_TRUE(contains(same.output, "2 claims: 2 passed, 0 failed, 0 regressed")) << same.output;

  const auto slow_run = run_dsgdlab("run slow.toml --out slow/tiny_rate", dir_);
  ASSERT_EQ(slow_run.exit_code, 0) << slow_run.output;
  const auto slow = run_dsgdlab("check slow --baseline baselines", dir_);
  EXPECT_EQ(slow.exit_code, 1) << slow.output;
  EXPECT_TRUE(contains(slow.output, "FAIL") || contains(slow.output, "REGRESSED")) << slow.output;
  EXPECT_TRUE(contains(slow.output, "regressed: slope")) << slow.output;
  const json verdicts = json::parse(read_text(dir_ / "slow" / "tiny_rate" / "verdicts.json"));
  EXPECT_EQ(verdicts["format"], "dsgdlab-verdicts/1");
  EXPECT_EQ(verdicts["passed"], false);
  EXPECT_EQ(verdicts["claims"][0]["name"], "rate");
  EXPECT_EQ(verdicts["claims"][0]["regression"]["regressed"], true);
  std::cout << slow.output;  // the table, for the test log
}

TEST_F(CheckCommand, RegressionWhileTheClaimStillHoldsIsReportedAsRegressed) {
  dsgdlab::testing::rate_suite(dir_ / "ref", -0.5).write();
  dsgdlab::testing::rate_suite(dir_ / "slow", -0.45, 3.0).write();
  ASSERT_EQ(run_dsgdlab("check ref --baseline base.json --update-baseline", dir_).exit_code, 0);
  const auto result = run_dsgdlab("check slow --baseline base.json", dir_);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_TRUE(contains(result.output, "REGRESSED")) << result.output;
  EXPECT_TRUE(contains(result.output, "1 claims: 0 passed, 0 failed, 1 regressed"))
      << result.output;
}

TEST_F(CheckCommand, DirectoryOfSuitesWithAMissingBaselineFileSaysSo) {
  dsgdlab::testing::rate_suite(dir_ / "results" / "rate_suite", -0.5).write();
  fs::create_directories(dir_ / "baselines");
  const auto result = run_dsgdlab("check results --baseline baselines --json", dir_);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const json document = json::parse(result.output);
  EXPECT_EQ(document["passed"], true);
  ASSERT_EQ(document["suites"].size(), 1u);
  EXPECT_TRUE(contains(document["suites"][0]["claims"][0]["baseline_note"].get<std::string>(),
                       "no baseline (baselines/rate_suite.json missing)"));
  EXPECT_TRUE(document["suites"][0]["claims"][0]["regression"].is_null());
}

TEST_F(CheckCommand, BadInputExitsTwo) {
  fs::create_directories(dir_ / "empty");
  const auto empty = run_dsgdlab("check empty", dir_);
  EXPECT_EQ(empty.exit_code, 2) << empty.output;
  EXPECT_TRUE(contains(empty.output, "holds no suite results")) << empty.output;

  dsgdlab::testing::rate_suite(dir_ / "partial", -0.5).write(/*skip_last_summary=*/true);
  const auto partial = run_dsgdlab("check partial", dir_);
  EXPECT_EQ(partial.exit_code, 2) << partial.output;
  EXPECT_TRUE(contains(partial.output, "is incomplete: run the suite again to finish it"))
      << partial.output;

  dsgdlab::testing::rate_suite(dir_ / "good", -0.5).write();
  const auto no_target = run_dsgdlab("check good --update-baseline", dir_);
  EXPECT_EQ(no_target.exit_code, 2) << no_target.output;
  EXPECT_TRUE(contains(no_target.output, "--update-baseline needs --baseline")) << no_target.output;
  const auto missing = run_dsgdlab("check good --baseline nowhere.json", dir_);
  EXPECT_EQ(missing.exit_code, 2) << missing.output;

  dsgdlab::testing::FakeSuite bad = dsgdlab::testing::rate_suite(dir_ / "bad_claim", -0.5);
  bad.add_claim("bad", "rate", {{"x", "run.workers"}}, 77);
  bad.write();
  const auto claim = run_dsgdlab("check bad_claim", dir_);
  EXPECT_EQ(claim.exit_code, 2) << claim.output;
  EXPECT_TRUE(contains(claim.output, "suite.toml:77: claim 'bad' (rate): key 'x'")) << claim.output;
}

TEST_F(CheckCommand, ReportRunsThePythonModuleWithThePythonPath) {
  dsgdlab::testing::rate_suite(dir_ / "results", -0.5).write();
  // Without python3 on PATH: exit 3, verdicts.json written all the same.
  const auto no_python =
      run_dsgdlab("report results", dir_, "PATH=" + (dir_ / "no_such_bin").string());
  EXPECT_EQ(no_python.exit_code, 3) << no_python.output;
  EXPECT_TRUE(contains(no_python.output, "python3 is not on PATH")) << no_python.output;
  EXPECT_TRUE(fs::is_regular_file(dir_ / "results" / "verdicts.json"));
  if (std::system("command -v python3 > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 is not installed";
  }
  // A notebooks directory without the module: exit 3 with a clear message.
  fs::create_directories(dir_ / "empty_notebooks");
  const auto missing = run_dsgdlab("report results", dir_,
                                   "DSGDLAB_NOTEBOOKS=" + (dir_ / "empty_notebooks").string());
  EXPECT_EQ(missing.exit_code, 3) << missing.output;
  EXPECT_TRUE(contains(missing.output, "dsgdlab_plots.report cannot be imported"))
      << missing.output;
  // A stand-in module that writes RESULTS/report/index.html from verdicts.json.
  dsgdlab::testing::write_text(dir_ / "notebooks" / "dsgdlab_plots" / "__init__.py", "");
  dsgdlab::testing::write_text(
      dir_ / "notebooks" / "dsgdlab_plots" / "report.py",
      "import json, os, sys\n"
      "results = sys.argv[1]\n"
      "verdicts = json.load(open(os.path.join(results, 'verdicts.json')))\n"
      "os.makedirs(os.path.join(results, 'report'), exist_ok=True)\n"
      "open(os.path.join(results, 'report', 'index.html'), 'w')"
      ".write(verdicts['suite'])\n");
  const auto written =
      run_dsgdlab("report results", dir_, "DSGDLAB_NOTEBOOKS=" + (dir_ / "notebooks").string());
  EXPECT_EQ(written.exit_code, 0) << written.output;
  EXPECT_EQ(read_text(dir_ / "results" / "report" / "index.html"), "rate_suite");
}

}  // namespace
