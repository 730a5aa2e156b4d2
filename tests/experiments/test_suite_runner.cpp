#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/result_files.hpp"
#include "dsgdlab/experiments/suite_runner.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;

/// 6 distinct runs of a few milliseconds each.
constexpr const char* kSuite = R"([suite]
name = "runner"
seed = 5
seeds = 2

[defaults.run]
workers = 4
iterations = 40
[defaults.problem]
name = "quadratic"
dim = 3
[defaults.algorithm]
name = "local_sgd"
step_size = 0.05

[sweep]
"algorithm.period" = [1, 2, 4]
)";

SuiteRunOptions with_jobs(int jobs) {
  SuiteRunOptions options;
  options.jobs = jobs;
  return options;
}

SuiteRunOptions as_rank(int jobs, int rank, int ranks, std::function<void()> synchronize) {
  SuiteRunOptions options = with_jobs(jobs);
  options.rank = rank;
  options.ranks = ranks;
  options.synchronize = std::move(synchronize);
  return options;
}

class SuiteRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("dsgdlab_suite_runner_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  SuiteConfig suite(const std::string& text = kSuite) {
    return parse_suite_text(text, dir_ / "suite.toml");
  }

  std::set<std::string> entries(const fs::path& folder) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  fs::path dir_;
};

TEST_F(SuiteRunnerTest, WritesTheManifestAndEveryRun) {
  const SuiteConfig config = suite();
  const fs::path out = dir_ / "out";
  const SuiteOutcome outcome = run_suite(config, kSuite, out, with_jobs(1));
  EXPECT_EQ(outcome.total, 6);
  EXPECT_EQ(outcome.completed, 6);
  EXPECT_EQ(outcome.skipped, 0);
  EXPECT_TRUE(outcome.failures.empty());
  EXPECT_EQ(entries(out), (std::set<std::string>{"runs", "suite.json", "suite.toml"}));
  EXPECT_EQ(read_file(out / "suite.toml"), kSuite);
  const nlohmann::json manifest = read_json(out / "suite.json");
  EXPECT_EQ(manifest, suite_manifest(config));
  EXPECT_EQ(manifest["format"], "dsgdlab-suite-results/1");
  EXPECT_EQ(manifest["suite"]["name"], "runner");
  ASSERT_EQ(manifest["runs"].size(), 6U);
  std::set<std::string> run_dirs;
  for (const auto& run : manifest["runs"]) {
    const fs::path run_dir = out / run["directory"].get<std::string>();
    EXPECT_EQ(entries(run_dir), (std::set<std::string>{"bounds.csv", "config.toml", "summary.json",
                                                       "timing.csv", "trace.csv"}))
        << run_dir;
    EXPECT_EQ(read_json(run_dir / "summary.json")["seed"], run["seed"]);
    run_dirs.insert(run["id"].get<std::string>());
  }
  EXPECT_EQ(entries(out / "runs"), run_dirs);  // no partial directory left
  EXPECT_EQ(
      suite_summary_line(config, outcome, out),
      "suite runner: 6 runs, 6 run now, 0 already done, 0 failed; results in " + out.string());
}

TEST_F(SuiteRunnerTest, ResumesSkippingFinishedRunsAndRemovingPartialOnes) {
  const SuiteConfig config = suite();
  const fs::path out = dir_ / "out";
  run_suite(config, kSuite, out, with_jobs(2));
  const std::string first_id = config.runs[0].id;
  const std::string first_trace = read_file(out / "runs" / first_id / "trace.csv");
  // An interrupted run: its directory is gone and a partial one is left behind.
  fs::remove_all(out / "runs" / first_id);
  fs::create_directories(out / "runs" / ("." + first_id + ".partial"));
  std::ofstream(out / "runs" / ("." + first_id + ".partial") / "trace.csv") << "half";
  std::int64_t last_done = -1;
  const SuiteOutcome again =
      run_suite(config, kSuite, out, with_jobs(2), [&](std::int64_t done, std::int64_t total) {
        EXPECT_EQ(total, 6);
        EXPECT_GT(done, last_done);
        last_done = done;
      });
  EXPECT_EQ(again.skipped, 5);
  EXPECT_EQ(again.completed, 1);
  EXPECT_EQ(last_done, 6);
  EXPECT_EQ(read_file(out / "runs" / first_id / "trace.csv"), first_trace);
  EXPECT_FALSE(fs::exists(out / "runs" / ("." + first_id + ".partial")));
}

TEST_F(SuiteRunnerTest, ResultsDoNotDependOnJobs) {
  const SuiteConfig config = suite();
  run_suite(config, kSuite, dir_ / "one", with_jobs(1));
  run_suite(config, kSuite, dir_ / "three", with_jobs(3));
  for (const SuiteRun& run : config.runs) {
    for (const char* file : {"trace.csv", "bounds.csv", "config.toml"}) {
      EXPECT_EQ(read_file(dir_ / "one" / "runs" / run.id / file),
                read_file(dir_ / "three" / "runs" / run.id / file))
          << run.id << " " << file;
    }
  }
}

/// mpirun -np K: rank r runs the distinct runs i with i mod K = r; rank 0 writes the manifest
/// first. Two ranks run one after the other here give the same files as one process.
TEST_F(SuiteRunnerTest, RanksShareTheRunsAndTogetherGiveTheSameResults) {
  const SuiteConfig config = suite();
  run_suite(config, kSuite, dir_ / "one", with_jobs(1));
  int synchronised = 0;
  const auto count = [&] { ++synchronised; };
  const SuiteOutcome first = run_suite(config, kSuite, dir_ / "ranks", as_rank(1, 0, 2, count));
  EXPECT_EQ(synchronised, 2);  // after the manifest, and at the end
  EXPECT_EQ(first.total, 3);
  EXPECT_EQ(entries(dir_ / "ranks" / "runs").size(), 3U);
  const SuiteOutcome second = run_suite(config, kSuite, dir_ / "ranks", as_rank(2, 1, 2, count));
  EXPECT_EQ(second.total, 3);
  EXPECT_EQ(second.completed, 3);
  EXPECT_EQ(entries(dir_ / "ranks" / "runs"), entries(dir_ / "one" / "runs"));
  for (const SuiteRun& run : config.runs) {
    EXPECT_EQ(read_file(dir_ / "ranks" / "runs" / run.id / "trace.csv"),
              read_file(dir_ / "one" / "runs" / run.id / "trace.csv"));
  }
  EXPECT_EQ(read_file(dir_ / "ranks" / "suite.json"), read_file(dir_ / "one" / "suite.json"));
  EXPECT_THROW(run_suite(config, kSuite, dir_ / "x", as_rank(1, 2, 2, {})), InputError);
}

TEST_F(SuiteRunnerTest, EqualConfigurationsRunOnce) {
  // An explicit run.seed gives every replicate the same configuration.
  std::string text = kSuite;
  text.insert(text.find("iterations = 40"), "seed = 9\n");
  const SuiteConfig config = suite(text);
  ASSERT_EQ(config.runs.size(), 6U);
  EXPECT_EQ(config.runs[0].id, config.runs[1].id);
  const SuiteOutcome outcome = run_suite(config, text, dir_ / "out", with_jobs(2));
  EXPECT_EQ(outcome.total, 3);
  EXPECT_EQ(outcome.completed, 3);
}

TEST_F(SuiteRunnerTest, RefusesAnotherSuitesDirectoryAndBadJobs) {
  const SuiteConfig config = suite();
  run_suite(config, kSuite, dir_ / "out", with_jobs(1));
  std::string other = kSuite;
  other.replace(other.find("\"runner\""), 8, "\"other\"");
  try {
    run_suite(suite(other), other, dir_ / "out", with_jobs(1));
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              "--out " + (dir_ / "out").string() +
                  ": holds the results of suite \"runner\", not \"other\"; choose another "
                  "directory");
  }
  EXPECT_THROW(run_suite(config, kSuite, dir_ / "x", with_jobs(0)), InputError);
  std::ofstream(dir_ / "file") << "x";
  EXPECT_THROW(run_suite(config, kSuite, dir_ / "file", with_jobs(1)), InputError);
}

}  // namespace
}  // namespace dsgdlab
