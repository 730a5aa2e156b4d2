// Claim evaluation on hand-built suite results whose verdict numbers are known in advance.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/claim_evaluation.hpp"
#include "suite_results_test_support.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::fake_summary;
using testing::FakeSuite;
using testing::halving_trace;
using testing::TempDirectory;

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

ClaimVerdict only_verdict(const FakeSuite& suite) {
  suite.write();
  const SuiteResults results = read_suite_results(suite.directory());
  const auto verdicts = evaluate_claims(results);
  EXPECT_EQ(verdicts.size(), 1u);
  return verdicts.front();
}

std::string only_error(const FakeSuite& suite) {
  suite.write();
  const SuiteResults results = read_suite_results(suite.directory());
  return error_of([&] { evaluate_claims(results); });
}

// ---------------------------------------------------------------------------------------------
// rate

TEST(RateClaim, ExactSquareRootDecayPasses) {
  TempDirectory temp("claim_rate_pass");
  const ClaimVerdict result = only_verdict(testing::rate_suite(temp.path(), -0.5));
  EXPECT_EQ(result.name, "sgd_rate");
  EXPECT_EQ(result.kind, "rate");
  EXPECT_TRUE(result.verdict.passed) << result.verdict.measured;
  EXPECT_NEAR(result.verdict.number("slope"), -0.5, 1e-12);
  EXPECT_DOUBLE_EQ(result.verdict.number("seeds"), 2.0);
  // R at K = 1600: 1600^(-1/2) = 0.025 and 1.1 × that; the mean is 0.02625.
  EXPECT_NEAR(result.verdict.number("final_r_at_max_x"), 0.02625, 1e-12);
}

TEST(RateClaim, SlowerDecayFails) {
  TempDirectory temp("claim_rate_fail");
  const ClaimVerdict result = only_verdict(testing::rate_suite(temp.path(), -0.2));
  EXPECT_FALSE(result.verdict.passed);
  EXPECT_NEAR(result.verdict.number("slope"), -0.2, 1e-12);
}

TEST(RateClaim, DivergedRunFailsWithAClearMeasuredText) {
  TempDirectory temp("claim_rate_diverged");
  FakeSuite suite(temp.path(), "s");
  for (const int k : {100, 400, 1600}) {
    json summary = fake_summary(1.0 / std::sqrt(k), k);
    if (k == 400) {
      summary["final"]["running_avg_grad_norm_sq"] = nullptr;
      summary["status"] = "diverged";
    }
    suite.add_run({{"run.iterations", k}}, summary, 0);
  }
  suite.add_claim("r", "rate", {{"x", "run.iterations"}});
  const ClaimVerdict result = only_verdict(suite);
  EXPECT_FALSE(result.verdict.passed);
  EXPECT_NE(result.verdict.measured.find("R(K) = nan at run.iterations = 400"), std::string::npos)
      << result.verdict.measured;
  EXPECT_NE(result.verdict.measured.find("diverged"), std::string::npos);
}

TEST(RateClaim, BadParametersNameFileLineAndKey) {
  TempDirectory temp("claim_rate_errors");
  {
    FakeSuite suite = testing::rate_suite(temp.path() / "x", -0.5);
    suite.add_claim("bad_x", "rate", {{"x", "run.workers"}}, 42);
    const std::string message = only_error(suite);
    EXPECT_NE(message.find("suite.toml:42: claim 'bad_x' (rate): key 'x' \"run.workers\" is not "
                           "a key of the point"),
              std::string::npos)
        << message;
  }
  {
    FakeSuite suite = testing::rate_suite(temp.path() / "where", -0.5);
    suite.add_claim("bad_where", "rate",
                    {{"x", "run.iterations"}, {"where", {{"algorithm.name", "adpsgd"}}}}, 50);
    const std::string message = only_error(suite);
    EXPECT_NE(message.find(":50: claim 'bad_where' (rate): key 'where' "
                           "{\"algorithm.name\":\"adpsgd\"} selects no run point"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("algorithm.name = \"sgd\", run.iterations = 100"), std::string::npos);
  }
  {
    FakeSuite suite(temp.path() / "few", "s");
    for (const int k : {100, 400}) {
      suite.add_run({{"run.iterations", k}}, fake_summary(0.1, k), 0);
    }
    suite.add_claim("few", "rate", {{"x", "run.iterations"}});
    const std::string message = only_error(suite);
    EXPECT_NE(message.find("key 'x' needs >= 3 distinct values of run.iterations, where selects 2"),
              std::string::npos)
        << message;
  }
  {
    FakeSuite suite = testing::rate_suite(temp.path() / "unknown", -0.5);
    suite.add_claim("typo", "rate", {{"x", "run.iterations"}, {"tolerence", 0.2}});
    const std::string message = only_error(suite);
    EXPECT_NE(message.find("key 'tolerence' is not a key of a rate claim"), std::string::npos)
        << message;
  }
  {
    FakeSuite suite = testing::rate_suite(temp.path() / "kind", -0.5);
    suite.add_claim("what", "fastness", json::object());
    const std::string message = only_error(suite);
    EXPECT_NE(message.find("key 'verdict' (\"fastness\") must be rate"), std::string::npos)
        << message;
  }
}

TEST(RateClaim, PointsThatShareXMustBeToldApart) {
  TempDirectory temp("claim_rate_ambiguous");
  FakeSuite suite = testing::rate_suite(temp.path(), -0.5);
  for (const int k : {100, 400, 1600}) {
    suite.add_run({{"run.iterations", k}, {"algorithm.name", "dpsgd"}}, fake_summary(0.1, k), 0);
  }
  suite.add_claim("both", "rate", {{"x", "run.iterations"}});
  const std::string message = only_error(suite);
  EXPECT_NE(message.find("selects several points with run.iterations = 100"), std::string::npos)
      << message;
}

// ---------------------------------------------------------------------------------------------
// linear_speedup

/// Workers n ∈ {2, 4, 8}: grad_norm_sq halves every 8/n seconds, so it reaches 2^-4 at 32/n.
FakeSuite speedup_suite(const fs::path& directory, double target) {
  FakeSuite suite(directory, "speedup");
  for (const int n : {2, 4, 8}) {
    for (int replicate = 0; replicate < 2; ++replicate) {
      suite.add_run({{"run.workers", n}}, fake_summary(0.01), replicate,
                    halving_trace(8.0 / n, 40));
    }
  }
  suite.add_claim("speedup", "linear_speedup",
                  {{"x", "run.workers"}, {"metric", "grad_norm_sq"}, {"target", target}});
  return suite;
}

TEST(LinearSpeedupClaim, TimeInverselyProportionalToWorkersPasses) {
  TempDirectory temp("claim_speedup_pass");
  const ClaimVerdict result = only_verdict(speedup_suite(temp.path(), 0.0625));
  EXPECT_TRUE(result.verdict.passed) << result.verdict.measured;
  EXPECT_NEAR(result.verdict.number("slope"), -1.0, 1e-3);  // CSV values have 6 decimals
  EXPECT_NEAR(result.verdict.number("time_at_min_x"), 16.0, 1e-2);
}

TEST(LinearSpeedupClaim, TargetNeverReachedFails) {
  TempDirectory temp("claim_speedup_unreached");
  const ClaimVerdict result = only_verdict(speedup_suite(temp.path(), 1e-9));
  EXPECT_FALSE(result.verdict.passed);
  EXPECT_NE(result.verdict.measured.find("grad_norm_sq never reached 1e-09 at run.workers = 2"),
            std::string::npos)
      << result.verdict.measured;
}

TEST(LinearSpeedupClaim, UnknownMetricIsAnError) {
  TempDirectory temp("claim_speedup_metric");
  FakeSuite suite(temp.path(), "s");
  suite.add_run({{"run.workers", 2}}, fake_summary(0.1), 0);
  suite.add_claim("m", "linear_speedup",
                  {{"x", "run.workers"}, {"metric", "accuracy"}, {"target", 0.1}});
  const std::string message = only_error(suite);
  EXPECT_NE(message.find("key 'metric' (\"accuracy\") must be grad_norm_sq"), std::string::npos)
      << message;
}

// ---------------------------------------------------------------------------------------------
// bound_holds

json bound_entry(bool conditions_hold) {
  return {{"name", "sgd_theorem"},
          {"role", "bound"},
          {"value", 1.0},
          {"conditions_hold", conditions_hold},
          {"conditions",
           {{{"rule", "eta*L <= 1"},
             {"value", conditions_hold ? 0.5 : 2.0},
             {"threshold", 1.0},
             {"holds", conditions_hold}}}},
          {"in_bounds_csv", true}};
}

FakeSuite bound_suite(const fs::path& directory, bool conditions_hold, double bound_at_20) {
  FakeSuite suite(directory, "bounds");
  for (int replicate = 0; replicate < 2; ++replicate) {
    json summary = fake_summary(0.25, 20);
    summary["bounds"]["list"].push_back(bound_entry(conditions_hold));
    // R = 0.5, 0.25 in both replicates; the bound 1 and bound_at_20.
    suite.add_run({{"algorithm.name", "sgd"}}, summary, replicate, "",
                  "iteration,running_avg_grad_norm_sq,sgd_theorem\n10,0.5,1\n20,0.25," +
                      std::to_string(bound_at_20) + "\n");
  }
  suite.add_claim("holds", "bound_holds",
                  {{"where", {{"algorithm.name", "sgd"}}}, {"bound", "sgd_theorem"}});
  return suite;
}

TEST(BoundHoldsClaim, BoundAboveRPasses) {
  TempDirectory temp("claim_bound_pass");
  const ClaimVerdict result = only_verdict(bound_suite(temp.path(), true, 1.0));
  EXPECT_TRUE(result.verdict.passed) << result.verdict.measured;
  EXPECT_DOUBLE_EQ(result.verdict.number("min_tightness"), 2.0);  // 1 / 0.5 at K = 10
  EXPECT_DOUBLE_EQ(result.verdict.number("violations"), 0.0);
}

TEST(BoundHoldsClaim, BoundBelowRFails) {
  TempDirectory temp("claim_bound_fail");
  const ClaimVerdict result = only_verdict(bound_suite(temp.path(), true, 0.2));
  EXPECT_FALSE(result.verdict.passed);
  EXPECT_DOUBLE_EQ(result.verdict.number("min_tightness"), 0.8);
  EXPECT_DOUBLE_EQ(result.verdict.number("violations"), 1.0);
}

TEST(BoundHoldsClaim, FailedConditionsFailTheClaim) {
  TempDirectory temp("claim_bound_conditions");
  const ClaimVerdict result = only_verdict(bound_suite(temp.path(), false, 1.0));
  EXPECT_FALSE(result.verdict.passed);
  EXPECT_NE(result.verdict.measured.find("conditions fail: eta*L <= 1: 2 vs 1"), std::string::npos)
      << result.verdict.measured;
}

TEST(BoundHoldsClaim, RequireConditionsFalseEvaluatesAnyway) {
  TempDirectory temp("claim_bound_no_require");
  FakeSuite suite = bound_suite(temp.path(), false, 1.0);
  suite.add_claim("anyway", "bound_holds",
                  {{"where", {{"algorithm.name", "sgd"}}},
                   {"bound", "sgd_theorem"},
                   {"require_conditions", false}});
  suite.write();
  const auto verdicts = evaluate_claims(read_suite_results(temp.path()));
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_TRUE(verdicts[1].verdict.passed) << verdicts[1].verdict.measured;
}

TEST(BoundHoldsClaim, UnknownBoundIsAnError) {
  TempDirectory temp("claim_bound_unknown");
  FakeSuite suite(temp.path(), "s");
  suite.add_run({{"algorithm.name", "sgd"}}, fake_summary(0.1), 0);
  suite.add_claim("b", "bound_holds", {{"where", {{"algorithm.name", "sgd"}}}, {"bound", "nope"}});
  const std::string message = only_error(suite);
  EXPECT_NE(message.find("key 'bound' (\"nope\") is not a bound of runs/0000000000000001"),
            std::string::npos)
      << message;
}

TEST(BoundHoldsClaim, WhereMustSelectOnePoint) {
  TempDirectory temp("claim_bound_two");
  FakeSuite suite(temp.path(), "s");
  suite.add_run({{"run.workers", 2}}, fake_summary(0.1), 0);
  suite.add_run({{"run.workers", 4}}, fake_summary(0.1), 0);
  suite.add_claim("b", "bound_holds", {{"where", json::object()}, {"bound", "x"}});
  const std::string message = only_error(suite);
  EXPECT_NE(message.find("must select one run point, it selects 2"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// heterogeneity_robustness

FakeSuite heterogeneity_suite(const fs::path& directory, double robust_slow_halving) {
  FakeSuite suite(directory, "hetero");
  const json slow = json::array({{{"worker", 0}, {"factor", 10.0}}});
  const std::pair<const char*, double> algorithms[] = {{"adpsgd", robust_slow_halving},
                                                       {"allreduce_sgd", 10.0}};
  for (const auto& [algorithm, slow_halving] : algorithms) {
    for (int replicate = 0; replicate < 2; ++replicate) {
      suite.add_run({{"algorithm.name", algorithm}, {"cost.slow_workers", json::array()}},
                    fake_summary(0.1), replicate, halving_trace(1.0, 100));
      suite.add_run({{"algorithm.name", algorithm}, {"cost.slow_workers", slow}}, fake_summary(0.1),
                    replicate, halving_trace(slow_halving, 100));
    }
  }
  suite.add_claim("robust", "heterogeneity_robustness",
                  {{"robust", "adpsgd"},
                   {"synchronous", {"allreduce_sgd"}},
                   {"metric", "grad_norm_sq"},
                   {"target", 0.0625}});
  return suite;
}

TEST(HeterogeneityClaim, FlatRobustAndProportionalSynchronousPasses) {
  TempDirectory temp("claim_hetero_pass");
  const ClaimVerdict result = only_verdict(heterogeneity_suite(temp.path(), 1.5));
  EXPECT_TRUE(result.verdict.passed) << result.verdict.measured;
  EXPECT_NEAR(result.verdict.number("adpsgd_ratio"), 1.5, 1e-3);
  EXPECT_NEAR(result.verdict.number("allreduce_sgd_ratio"), 10.0, 1e-2);
  EXPECT_NEAR(result.verdict.number("robust_time_at_max_slowdown"), 6.0, 1e-2);
}

TEST(HeterogeneityClaim, SlowedRobustAlgorithmFails) {
  TempDirectory temp("claim_hetero_fail");
  const ClaimVerdict result = only_verdict(heterogeneity_suite(temp.path(), 5.0));
  EXPECT_FALSE(result.verdict.passed);
  EXPECT_NEAR(result.verdict.number("adpsgd_ratio"), 5.0, 1e-2);
}

TEST(HeterogeneityClaim, MissingAlgorithmIsAnError) {
  TempDirectory temp("claim_hetero_missing");
  FakeSuite suite = heterogeneity_suite(temp.path(), 1.5);
  suite.add_claim("other", "heterogeneity_robustness",
                  {{"robust", "adpsgd"},
                   {"synchronous", {"dpsgd"}},
                   {"metric", "grad_norm_sq"},
                   {"target", 0.0625}});
  suite.write();
  const SuiteResults results = read_suite_results(temp.path());
  const std::string message = error_of([&] { evaluate_claim(results, results.claims[1]); });
  EXPECT_NE(message.find("key 'synchronous'"), std::string::npos) << message;
  EXPECT_NE(message.find("selects no run point"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// sandwich

FakeSuite sandwich_suite(const fs::path& directory, double outer_bound) {
  FakeSuite suite(directory, "sandwich");
  const std::tuple<const char*, int, double> points[] = {
      {"local_sgd", 2, 1.0}, {"hsgd", 2, 2.0}, {"local_sgd", 8, 3.0}};
  for (const auto& [algorithm, period, r] : points) {
    for (int replicate = 0; replicate < 2; ++replicate) {
      json summary = fake_summary(r + 0.01 * replicate);
      if (std::string(algorithm) == "hsgd") {
        summary["bounds"]["list"] = {{{"name", "hsgd_two_level"}, {"value", 20.0}},
                                     {{"name", "sandwich_local_sgd_2"}, {"value", 10.0}},
                                     {{"name", "sandwich_local_sgd_8"}, {"value", outer_bound}}};
      }
      suite.add_run({{"algorithm.name", algorithm}, {"algorithm.local_period", period}}, summary,
                    replicate);
    }
  }
  suite.add_claim("sandwich", "sandwich",
                  {{"inner", {{"algorithm.name", "local_sgd"}, {"algorithm.local_period", 2}}},
                   {"hierarchical", {{"algorithm.name", "hsgd"}}},
                   {"outer", {{"algorithm.name", "local_sgd"}, {"algorithm.local_period", 8}}}});
  return suite;
}

TEST(SandwichClaim, OrderedMeasurementsAndBoundsPass) {
  TempDirectory temp("claim_sandwich_pass");
  const ClaimVerdict result = only_verdict(sandwich_suite(temp.path(), 30.0));
  EXPECT_TRUE(result.verdict.passed) << result.verdict.measured;
  EXPECT_DOUBLE_EQ(result.verdict.number("inner_bound"), 10.0);
  EXPECT_DOUBLE_EQ(result.verdict.number("hierarchical_bound"), 20.0);
  EXPECT_DOUBLE_EQ(result.verdict.number("outer_bound"), 30.0);
  EXPECT_NEAR(result.verdict.number("hierarchical_mean"), 2.005, 1e-12);
}

TEST(SandwichClaim, MisorderedBoundsFail) {
  TempDirectory temp("claim_sandwich_fail");
  const ClaimVerdict result = only_verdict(sandwich_suite(temp.path(), 15.0));
  EXPECT_FALSE(result.verdict.passed);
  EXPECT_DOUBLE_EQ(result.verdict.number("bounds_ordered"), 0.0);
}

// ---------------------------------------------------------------------------------------------
// exactness

TEST(ExactnessClaim, SameTraceDivergenceIdentityAndSpectral) {
  TempDirectory temp("claim_exactness");
  FakeSuite suite(temp.path(), "exact");
  const std::string split =
      "iteration,loss,heterogeneity,intra_group_divergence,inter_group_divergence,consensus,"
      "intra_group_consensus,inter_group_consensus\n"
      "0,1,0.3,0.1,0.2,0,0,0\n"
      "10,0.5,0.75,0.25,0.5,1e-32,3e-33,7e-33\n";
  json spectral_summary = fake_summary(0.1);
  spectral_summary["spectral"] = {{{"rho", 0.6476030138606879}}};
  suite.add_run({{"algorithm.name", "hsgd"}}, fake_summary(0.1), 0, split);
  suite.add_run({{"algorithm.name", "local_sgd"}}, fake_summary(0.1), 0, split);
  suite.add_run({{"algorithm.name", "dpsgd"}}, spectral_summary, 0,
                "iteration,loss\n0,1.0000000001\n10,0.5\n");
  suite.add_claim("exact", "exactness",
                  {{"checks",
                    {{{"kind", "same_trace"},
                      {"a", {{"algorithm.name", "hsgd"}}},
                      {"b", {{"algorithm.name", "local_sgd"}}},
                      {"columns", {"loss", "heterogeneity"}}},
                     {{"kind", "same_trace"},
                      {"name", "differs"},
                      {"a", {{"algorithm.name", "hsgd"}}},
                      {"b", {{"algorithm.name", "dpsgd"}}},
                      {"columns", {"loss"}},
                      {"tolerance", 1e-6}},
                     {{"kind", "divergence_identity"}, {"where", {{"algorithm.name", "hsgd"}}}},
                     {{"kind", "spectral"},
                      {"where", {{"algorithm.name", "dpsgd"}}},
                      {"expected_rho", 0.6476030138606879}}}}});
  const ClaimVerdict result = only_verdict(suite);
  EXPECT_TRUE(result.verdict.passed) << result.verdict.measured;
  EXPECT_EQ(result.verdict.number("same_trace_1"), 0.0);
  EXPECT_NEAR(result.verdict.number("differs"), 1e-10, 1e-15);
  EXPECT_LE(result.verdict.number("divergence_identity_3_divergence"), 1e-15);
  EXPECT_LE(result.verdict.number("divergence_identity_3_consensus"), 1e-15);
  EXPECT_EQ(result.verdict.number("spectral_4"), 0.0);
}

TEST(ExactnessClaim, DifferentTracesFailBitwise) {
  TempDirectory temp("claim_exactness_fail");
  FakeSuite suite(temp.path(), "exact");
  suite.add_run({{"algorithm.name", "a"}}, fake_summary(0.1), 0, "iteration,loss\n0,1\n10,0.5\n");
  suite.add_run({{"algorithm.name", "b"}}, fake_summary(0.1), 0,
                "iteration,loss\n0,1\n10,0.5000001\n");
  suite.add_claim("exact", "exactness",
                  {{"checks",
                    {{{"kind", "same_trace"},
                      {"a", {{"algorithm.name", "a"}}},
                      {"b", {{"algorithm.name", "b"}}},
                      {"columns", {"loss"}}}}}});
  const ClaimVerdict result = only_verdict(suite);
  EXPECT_FALSE(result.verdict.passed);
  EXPECT_NEAR(result.verdict.number("same_trace_1"), 1e-7, 1e-12);
}

TEST(ExactnessClaim, UnknownCheckKindIsAnError) {
  TempDirectory temp("claim_exactness_kind");
  FakeSuite suite(temp.path(), "exact");
  suite.add_run({{"algorithm.name", "a"}}, fake_summary(0.1), 0);
  suite.add_claim("exact", "exactness", {{"checks", {{{"kind", "bitwise"}}}}});
  const std::string message = only_error(suite);
  EXPECT_NE(message.find("key 'checks[0].kind' (\"bitwise\") must be same_trace"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace dsgdlab
