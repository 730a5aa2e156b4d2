// Reading suite results directories: suite.json, run summaries, numeric CSV, suite discovery.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/suite_results.hpp"
#include "suite_results_test_support.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;
using testing::FakeSuite;
using testing::TempDirectory;
using testing::write_text;

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

TEST(SuiteResults, ReadsManifestClaimsAndRuns) {
  TempDirectory temp("suite_results_read");
  FakeSuite suite = testing::rate_suite(temp.path() / "rate", -0.5);
  suite.write();
  const SuiteResults results = read_suite_results(temp.path() / "rate");
  EXPECT_EQ(results.name, "rate_suite");
  EXPECT_EQ(results.description, "a hand-built suite");
  EXPECT_TRUE(results.quick);
  EXPECT_EQ(results.seeds, 2);
  EXPECT_EQ(results.file, temp.path() / "rate" / "suite.toml");
  ASSERT_EQ(results.claims.size(), 1u);
  EXPECT_EQ(results.claims[0].name, "sgd_rate");
  EXPECT_EQ(results.claims[0].verdict, "rate");
  EXPECT_EQ(results.claims[0].line, 10u);
  EXPECT_EQ(results.claims[0].params.at("x"), "run.iterations");
  ASSERT_EQ(results.runs.size(), 6u);
  EXPECT_EQ(results.runs[1].id, "0000000000000002");
  EXPECT_EQ(results.runs[1].replicate, 1);
  EXPECT_EQ(results.runs[1].point.at("run.iterations"), 100);
  EXPECT_EQ(results.runs[1].directory, results.directory / "runs" / "0000000000000002");
  EXPECT_DOUBLE_EQ(results.runs[0].summary["final"]["running_avg_grad_norm_sq"].get<double>(), 0.1);
}

TEST(SuiteResults, MissingManifestIsAnInputError) {
  TempDirectory temp("suite_results_missing");
  const std::string message = message_of([&] { read_suite_results(temp.path()); });
  EXPECT_NE(message.find("has no suite.json"), std::string::npos) << message;
}

TEST(SuiteResults, MalformedManifestNamesFileAndLine) {
  TempDirectory temp("suite_results_malformed");
  write_text(temp.path() / "suite.json",
             "{\n  \"format\": \"dsgdlab-suite-results/1\",\n  oops\n}");
  const std::string message = message_of([&] { read_suite_results(temp.path()); });
  EXPECT_NE(message.find("suite.json:3"), std::string::npos) << message;
}

TEST(SuiteResults, WrongFormatIsRefused) {
  TempDirectory temp("suite_results_format");
  write_text(temp.path() / "suite.json", R"({"format": "something/2"})");
  const std::string message = message_of([&] { read_suite_results(temp.path()); });
  EXPECT_NE(message.find("dsgdlab-suite-results/1"), std::string::npos) << message;
}

TEST(SuiteResults, IncompleteRunSaysRunTheSuiteAgain) {
  TempDirectory temp("suite_results_incomplete");
  FakeSuite suite = testing::rate_suite(temp.path(), -0.5);
  suite.write(/*skip_last_summary=*/true);
  const std::string message = message_of([&] { read_suite_results(temp.path()); });
  EXPECT_NE(message.find("run runs/0000000000000006 (point "), std::string::npos) << message;
  EXPECT_NE(message.find("run.iterations = 1600"), std::string::npos) << message;
  EXPECT_NE(message.find("is incomplete: run the suite again to finish it"), std::string::npos)
      << message;
}

TEST(SuiteResults, FindsOneSuiteOrItsSubdirectories) {
  TempDirectory temp("suite_results_find");
  testing::rate_suite(temp.path() / "b_suite", -0.5).write();
  testing::rate_suite(temp.path() / "a_suite", -0.5).write();
  fs::create_directories(temp.path() / "not_a_suite");
  const auto found = find_suite_directories(temp.path());
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].filename(), "a_suite");
  EXPECT_EQ(found[1].filename(), "b_suite");
  const auto one = find_suite_directories(temp.path() / "b_suite");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], temp.path() / "b_suite");
  EXPECT_NE(message_of([&] {
              find_suite_directories(temp.path() / "not_a_suite");
            }).find("holds no suite results"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              find_suite_directories(temp.path() / "nowhere");
            }).find("is not a directory"),
            std::string::npos);
}

TEST(NumericCsv, ReadsNumbersAndNonFiniteCells) {
  TempDirectory temp("numeric_csv");
  write_text(temp.path() / "t.csv", "iteration,loss,r\n0,1.5,nan\n10,inf,-inf\n20,0.25,3e-2\n");
  const NumericCsv table = read_numeric_csv(temp.path() / "t.csv");
  EXPECT_EQ(table.rows, 3u);
  EXPECT_EQ(table.header, (std::vector<std::string>{"iteration", "loss", "r"}));
  EXPECT_EQ(table.column("iteration"), (std::vector<double>{0, 10, 20}));
  EXPECT_TRUE(std::isnan(table.column("r")[0]));
  EXPECT_TRUE(std::isinf(table.column("loss")[1]));
  EXPECT_EQ(table.column("r")[1], -std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(table.column("r")[2], 0.03);
  const std::string message = message_of([&] { (void)table.column("missing"); });
  EXPECT_NE(message.find("no column \"missing\" (columns: iteration, loss, r)"), std::string::npos)
      << message;
}

TEST(NumericCsv, BadCellNamesFileLineAndColumn) {
  TempDirectory temp("numeric_csv_bad");
  write_text(temp.path() / "t.csv", "iteration,loss\n0,1\n1,abc\n");
  const std::string message = message_of([&] { read_numeric_csv(temp.path() / "t.csv"); });
  EXPECT_NE(message.find("t.csv:3: column loss: \"abc\" is not a number"), std::string::npos)
      << message;
  write_text(temp.path() / "u.csv", "iteration,loss\n0,1,2\n");
  EXPECT_NE(
      message_of([&] { read_numeric_csv(temp.path() / "u.csv"); }).find("u.csv:2: has 3 cells"),
      std::string::npos);
}

TEST(DescribePoint, ListsKeysAndValues) {
  EXPECT_EQ(describe_point(nlohmann::json::object()), "defaults");
  EXPECT_EQ(describe_point({{"algorithm.name", "adpsgd"}, {"run.iterations", 1000}}),
            "algorithm.name = \"adpsgd\", run.iterations = 1000");
}

}  // namespace
}  // namespace dsgdlab
