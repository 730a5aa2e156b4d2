// Baselines: reading and writing, and the regression rule of each verdict kind.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/baseline.hpp"
#include "dsgdlab/experiments/check_command.hpp"
#include "suite_results_test_support.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;
using testing::TempDirectory;
using testing::write_text;

ClaimVerdict verdict_with(std::string kind, std::vector<VerdictNumber> numbers,
                          bool passed = true) {
  ClaimVerdict verdict;
  verdict.name = "claim";
  verdict.kind = kind;
  verdict.verdict.kind = std::move(kind);
  verdict.verdict.passed = passed;
  verdict.verdict.numbers = std::move(numbers);
  return verdict;
}

const RegressionCheck& find_check(const std::vector<RegressionCheck>& checks,
                                  const std::string& metric) {
  for (const auto& check : checks) {
    if (check.metric == metric) return check;
  }
  throw std::runtime_error("no check " + metric);
}

TEST(Baseline, WriteThenReadRoundTrips) {
  TempDirectory temp("baseline_round_trip");
  const std::vector<ClaimVerdict> verdicts = {
      verdict_with("rate", {{"slope", -0.4873}, {"slope_upper", -0.45}}),
      verdict_with("linear_speedup",
                   {{"slope", -1.0}, {"time_at_min_x", std::numeric_limits<double>::infinity()}})};
  const fs::path file = temp.path() / "baselines" / "s.json";
  write_baseline(file, "s", verdicts);
  const Baseline baseline = read_baseline(file);
  EXPECT_EQ(baseline.suite, "s");
  ASSERT_EQ(baseline.claims.size(), 1u);  // both verdicts are called "claim"
  EXPECT_EQ(baseline.claims.at("claim").at("slope"), -1.0);
  EXPECT_TRUE(std::isnan(baseline.claims.at("claim").at("time_at_min_x")));  // null in JSON
  const nlohmann::json json = baseline_json("s", {verdicts[0]});
  EXPECT_EQ(json["format"], "dsgdlab-baseline/1");
  EXPECT_EQ(json["claims"]["claim"]["numbers"]["slope"], -0.4873);
}

TEST(Baseline, MalformedFilesNameTheFile) {
  TempDirectory temp("baseline_malformed");
  write_text(temp.path() / "a.json", R"({"format": "dsgdlab-baseline/2", "suite": "s"})");
  try {
    read_baseline(temp.path() / "a.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a.json: format must be \"dsgdlab-baseline/1\""),
              std::string::npos)
        << e.what();
  }
  write_text(
      temp.path() / "b.json",
      R"({"format": "dsgdlab-baseline/1", "suite": "s", "claims": {"c": {"numbers": {"slope": "x"}}}})");
  EXPECT_THROW(read_baseline(temp.path() / "b.json"), InputError);
}

TEST(RegressionRule, RateSlopeBeyondCombinedHalfWidthsRegresses) {
  // hw = 0.03 measured, 0.04 baseline: allowed = 0.05.
  const std::map<std::string, double> baseline{{"slope", -0.5}, {"slope_upper", -0.46}};
  const auto same = compare_with_baseline(
      verdict_with("rate", {{"slope", -0.46}, {"slope_upper", -0.43}}), baseline);
  const RegressionCheck& ok = find_check(same, "slope");
  EXPECT_NEAR(ok.allowed, 0.05, 1e-12);
  EXPECT_FALSE(ok.regressed);
  const auto slower = compare_with_baseline(
      verdict_with("rate", {{"slope", -0.44}, {"slope_upper", -0.41}}), baseline);
  EXPECT_TRUE(find_check(slower, "slope").regressed);
  const auto faster = compare_with_baseline(
      verdict_with("rate", {{"slope", -0.9}, {"slope_upper", -0.87}}), baseline);
  EXPECT_FALSE(find_check(faster, "slope").regressed);
}

TEST(RegressionRule, RateLevelRiseBeyondTenPercentRegresses) {
  const std::map<std::string, double> baseline{
      {"slope", -0.5}, {"final_r_at_max_x", 0.01}, {"final_r_at_max_x_half_width", 0.0}};
  const auto within = compare_with_baseline(
      verdict_with("rate", {{"slope", -0.5}, {"final_r_at_max_x", 0.0109}}), baseline);
  EXPECT_FALSE(find_check(within, "final_r_at_max_x").regressed);
  const auto above = compare_with_baseline(
      verdict_with("rate", {{"slope", -0.6}, {"final_r_at_max_x", 0.02}}), baseline);
  EXPECT_FALSE(find_check(above, "slope").regressed);
  EXPECT_TRUE(find_check(above, "final_r_at_max_x").regressed);
  EXPECT_NEAR(find_check(above, "final_r_at_max_x").allowed, 0.001, 1e-15);
}

TEST(RegressionRule, LevelToleranceGrowsWithTheIntervals) {
  // √(0.003² + 0.004²) = 0.005 > 10% of 0.01.
  const std::map<std::string, double> baseline{{"time_at_min_x", 0.01},
                                               {"time_at_min_x_half_width", 0.004}};
  const auto checks = compare_with_baseline(
      verdict_with("linear_speedup",
                   {{"time_at_min_x", 0.0149}, {"time_at_min_x_half_width", 0.003}}),
      baseline);
  EXPECT_NEAR(find_check(checks, "time_at_min_x").allowed, 0.005, 1e-15);
  EXPECT_FALSE(find_check(checks, "time_at_min_x").regressed);
}

TEST(RegressionRule, HeterogeneityRobustRatio) {
  const std::map<std::string, double> baseline{{"adpsgd_ratio", 1.2}};
  const auto within = compare_with_baseline(
      verdict_with("heterogeneity_robustness", {{"adpsgd_ratio", 1.3}, {"dpsgd_ratio", 9.0}}),
      baseline);
  EXPECT_FALSE(find_check(within, "adpsgd_ratio").regressed);  // allowed 0.12
  const auto beyond = compare_with_baseline(
      verdict_with("heterogeneity_robustness", {{"adpsgd_ratio", 1.4}, {"dpsgd_ratio", 9.0}}),
      baseline);
  EXPECT_TRUE(find_check(beyond, "adpsgd_ratio").regressed);
  // A relative CI of 25% on the robust time widens the allowance to 0.3.
  const auto noisy = compare_with_baseline(
      verdict_with("heterogeneity_robustness", {{"adpsgd_ratio", 1.4},
                                                {"robust_time_at_max_slowdown", 4.0},
                                                {"robust_time_at_max_slowdown_half_width", 1.0}}),
      baseline);
  EXPECT_NEAR(find_check(noisy, "adpsgd_ratio").allowed, 0.3, 1e-12);
  EXPECT_FALSE(find_check(noisy, "adpsgd_ratio").regressed);
}

TEST(RegressionRule, BoundTightnessDrop) {
  const std::map<std::string, double> baseline{{"min_tightness", 2.2}};
  EXPECT_FALSE(find_check(compare_with_baseline(
                              verdict_with("bound_holds", {{"min_tightness", 2.01}}), baseline),
                          "min_tightness")
                   .regressed);
  EXPECT_TRUE(find_check(compare_with_baseline(
                             verdict_with("bound_holds", {{"min_tightness", 1.99}}), baseline),
                         "min_tightness")
                  .regressed);
}

TEST(RegressionRule, SandwichAndExactness) {
  const std::map<std::string, double> baseline{{"hierarchical_mean", 1.0},
                                               {"hierarchical_half_width", 0.0}};
  EXPECT_TRUE(
      find_check(compare_with_baseline(verdict_with("sandwich", {{"hierarchical_mean", 1.2},
                                                                 {"hierarchical_half_width", 0.0}}),
                                       baseline),
                 "hierarchical_mean")
          .regressed);
  EXPECT_TRUE(
      compare_with_baseline(verdict_with("exactness", {{"same_trace_1", 0.0}}), {{"x", 1.0}})
          .empty());
}

TEST(RegressionRule, MissingOrNonFiniteNumbersAreNotCompared) {
  EXPECT_TRUE(compare_with_baseline(verdict_with("rate", {}, false), {{"slope", -0.5}}).empty());
  EXPECT_TRUE(compare_with_baseline(verdict_with("rate", {{"slope", -0.5}}),
                                    {{"slope", std::numeric_limits<double>::quiet_NaN()}})
                  .empty());
}

TEST(CheckSuite, DeliberatelySlowedRateRegressesAgainstItsBaseline) {
  TempDirectory temp("baseline_check_suite");
  testing::rate_suite(temp.path() / "ref", -0.5).write();
  const SuiteResults reference = read_suite_results(temp.path() / "ref");
  write_baseline(temp.path() / "rate_suite.json", reference.name, evaluate_claims(reference));
  const Baseline baseline = read_baseline(temp.path() / "rate_suite.json");

  const SuiteCheck same = check_suite(reference, &baseline);
  EXPECT_TRUE(same.passed());
  EXPECT_EQ(same.claims[0].status(), "PASS");

  // Still within the claim's tolerance (−0.45 ∈ −0.5 ± 0.1) but 3× higher: a regression.
  testing::rate_suite(temp.path() / "slow", -0.45, 3.0).write();
  const SuiteCheck slow = check_suite(read_suite_results(temp.path() / "slow"), &baseline);
  EXPECT_TRUE(slow.claims[0].verdict.verdict.passed);
  EXPECT_EQ(slow.claims[0].status(), "REGRESSED");
  EXPECT_FALSE(slow.passed());
  const nlohmann::json json = verdicts_json(slow);
  EXPECT_EQ(json["format"], "dsgdlab-verdicts/1");
  EXPECT_EQ(json["passed"], false);
  EXPECT_EQ(json["claims"][0]["regression"]["regressed"], true);
  EXPECT_EQ(json["claims"][0]["regression"]["metric"], "slope");
}

TEST(CheckSuite, ClaimsWithoutABaselineSaySo) {
  TempDirectory temp("baseline_check_notes");
  testing::rate_suite(temp.path(), -0.5).write();
  const SuiteResults suite = read_suite_results(temp.path());
  const SuiteCheck none = check_suite(suite, nullptr);
  EXPECT_EQ(none.claims[0].baseline_note, "no baseline");
  EXPECT_TRUE(verdicts_json(none)["claims"][0]["regression"].is_null());
  Baseline other;
  other.file = "other.json";
  other.suite = "rate_suite";
  other.claims["another_claim"] = {{"slope", -0.5}};
  const SuiteCheck missing = check_suite(suite, &other);
  EXPECT_EQ(missing.claims[0].baseline_note, "not in the baseline other.json");
  EXPECT_TRUE(missing.passed());
}

}  // namespace
}  // namespace dsgdlab
