#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/suite_config.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// 4 workers on a small quadratic; a sweep over the algorithm crosses the [topology] table that
/// only dpsgd uses.
constexpr const char* kSuite = R"(# line 1
[suite]
name = "tiny"
seed = 3
seeds = 2

[suite.quick]
seeds = 1
[suite.quick.defaults.run]
iterations = 20
[suite.quick.sweep]
"algorithm.step_size" = [0.1]

[defaults.run]
workers = 4
iterations = 50
[defaults.problem]
name = "quadratic"
dim = 3
[defaults.algorithm]
name = "allreduce_sgd"
[defaults.topology]
kind = "ring"

[[run]]
label = "small batch"
[run.algorithm]
batch_size = 1

[[run]]
label = "large batch"
[run.algorithm]
batch_size = 8

[sweep]
"algorithm.name" = ["allreduce_sgd", "dpsgd"]
"algorithm.step_size" = [0.05, 0.1, 0.2]

[[claim]]
name = "rate"
verdict = "rate"
where = { "algorithm.name" = "allreduce_sgd" }
x = "run.iterations"
)";

SuiteConfig parse(const std::string& text, const SuiteParseOptions& options = {}) {
  return parse_suite_text(text, "suite.toml", options);
}

std::string error_of(const std::string& text, const SuiteParseOptions& options = {}) {
  try {
    parse(text, options);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

/// kSuite with `from` replaced by `to` (once).
std::string edited(const std::string& from, const std::string& to) {
  std::string text = kSuite;
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(SuiteConfig, ExpandsEntriesTimesSweepTimesSeeds) {
  const SuiteConfig suite = parse(kSuite);
  EXPECT_EQ(suite.name, "tiny");
  EXPECT_EQ(suite.seeds, 2);
  // 2 entries × 2 algorithms × 3 steps × 2 replicates.
  ASSERT_EQ(suite.runs.size(), 24U);
  const SuiteRun& first = suite.runs[0];
  EXPECT_EQ(first.label, "small batch");
  EXPECT_EQ(first.point, (json{{"algorithm.batch_size", 1},
                               {"algorithm.name", "allreduce_sgd"},
                               {"algorithm.step_size", 0.05}}));
  EXPECT_EQ(first.replicate, 0);
  EXPECT_EQ(suite.runs[1].replicate, 1);
  EXPECT_EQ(suite.runs[1].point_index, 0);
  // The last axis varies fastest, then the next, then the entry.
  EXPECT_EQ(suite.runs[2].point["algorithm.step_size"], 0.1);
  EXPECT_EQ(suite.runs[6].point["algorithm.name"], "dpsgd");
  EXPECT_EQ(suite.runs[12].label, "large batch");
  EXPECT_EQ(suite.runs[23].point_index, 11);
  EXPECT_EQ(suite.runs[6].config.algorithm.kind, AlgorithmKind::kDpsgd);
  EXPECT_EQ(suite.runs[6].config.algorithm.step.initial, 0.05);
  EXPECT_EQ(suite.runs[12].config.algorithm.batch_size, 8);
  EXPECT_EQ(suite.runs[0].config.run.iterations, 50);
  ASSERT_EQ(suite.claims.size(), 1U);
  EXPECT_EQ(suite.claims[0].line, 39U);
  EXPECT_EQ(suite.claims[0].params,
            (json{{"where", {{"algorithm.name", "allreduce_sgd"}}}, {"x", "run.iterations"}}));
}

TEST(SuiteConfig, ReplicateSeedsAreSharedAcrossPointsAndIdsAreDistinct) {
  const SuiteConfig suite = parse(kSuite);
  std::set<std::string> ids;
  for (const SuiteRun& run : suite.runs) {
    EXPECT_EQ(run.config.run.seed, static_cast<std::uint64_t>(derive_suite_seed(3, run.replicate)));
    ids.insert(run.id);
    EXPECT_EQ(run.id.size(), 16U);
  }
  EXPECT_EQ(ids.size(), suite.runs.size());
  EXPECT_NE(derive_suite_seed(3, 0), derive_suite_seed(3, 1));
  EXPECT_NE(derive_suite_seed(3, 0), derive_suite_seed(4, 0));
  EXPECT_GE(derive_suite_seed(3, 0), 0);
  EXPECT_LT(derive_suite_seed(3, 0), std::int64_t{1} << 52);
  // FNV-1a 64 reference values.
  EXPECT_EQ(hash_hex(""), "cbf29ce484222325");
  EXPECT_EQ(hash_hex("a"), "af63dc4c8601ec8c");
}

TEST(SuiteConfig, DefaultsAPointDoesNotUseAreDroppedButItsOwnKeysAreNot) {
  const SuiteConfig suite = parse(kSuite);
  // allreduce_sgd has no topology: the [defaults.topology] table was dropped for it.
  EXPECT_FALSE(suite.runs[0].config.uses_topology());
  EXPECT_TRUE(suite.runs[6].config.uses_topology());
  // A key set by the point itself that the point does not use is still an error.
  EXPECT_EQ(error_of(edited("[run.algorithm]\nbatch_size = 1", "[run.algorithm]\nperiod = 4")),
            "suite.toml:28: algorithm.period is only used when algorithm.name is \"local_sgd\" "
            "(here \"allreduce_sgd\")");
}

TEST(SuiteConfig, QuickReplacesSeedsDefaultsAndAxes) {
  const SuiteConfig suite = parse(kSuite, {.quick = true, .engine = std::nullopt});
  EXPECT_TRUE(suite.quick);
  EXPECT_EQ(suite.seeds, 1);
  ASSERT_EQ(suite.runs.size(), 4U);  // 2 entries × 2 algorithms × 1 step × 1 replicate
  EXPECT_EQ(suite.runs[0].config.run.iterations, 20);
  EXPECT_EQ(suite.runs[0].point["algorithm.step_size"], 0.1);
  const SuiteConfig threads = parse(kSuite, {.engine = "threads"});
  EXPECT_EQ(threads.runs[0].config.run.engine, "threads");
  EXPECT_NE(threads.runs[0].id, parse(kSuite).runs[0].id);
}

TEST(SuiteConfig, QuickRunEntriesReplaceTheRunEntries) {
  const std::string text = std::string(kSuite) +
                           "[[suite.quick.run]]\nlabel = \"quick batch\"\n"
                           "[suite.quick.run.algorithm]\nbatch_size = 2\n";
  EXPECT_EQ(parse(text).runs.size(), 24U);  // without --quick: the [[run]] entries
  const SuiteConfig quick = parse(text, {.quick = true, .engine = std::nullopt});
  ASSERT_EQ(quick.runs.size(), 2U);  // 1 entry × 2 algorithms × 1 step × 1 replicate
  EXPECT_EQ(quick.runs[0].label, "quick batch");
  EXPECT_EQ(quick.runs[0].config.algorithm.batch_size, 2);
  EXPECT_EQ(quick.runs[0].point["algorithm.batch_size"], 2);
}

TEST(SuiteConfig, ErrorsNameTheFileLineKeyAndRule) {
  EXPECT_EQ(error_of(edited("seeds = 2", "sedes = 2")),
            "suite.toml:5: unknown key \"sedes\" in [suite] (did you mean \"seeds\"?); the keys "
            "are name, description, seed, seeds, quick");
  EXPECT_EQ(error_of(edited("seeds = 2", "seeds = 0")),
            "suite.toml:5: suite.seeds (0) must be in [1, 1000]");
  EXPECT_EQ(error_of(edited("name = \"tiny\"", "name = \"Tiny Suite\"")),
            "suite.toml:3: suite.name (\"Tiny Suite\") must be lower-case letters, digits and _ "
            "(it names the results and the baseline)");
  // A run-configuration error points at the sweep value's line.
  EXPECT_EQ(error_of(edited("[0.05, 0.1, 0.2]", "[0.05, -0.1, 0.2]")),
            "suite.toml:37: algorithm.step_size (-0.1) must be a positive finite number");
  EXPECT_EQ(error_of(edited("\"algorithm.name\" = [\"allreduce_sgd\", \"dpsgd\"]",
                            "\"algorithm.name\" = []")),
            "suite.toml:36: sweep axis \"algorithm.name\" must be a non-empty array of values");
  EXPECT_EQ(error_of(edited("[suite.quick.sweep]\n\"algorithm.step_size\"",
                            "[suite.quick.sweep]\n\"algorithm.batch_size\"")),
            "suite.toml:12: [suite.quick.sweep] axis \"algorithm.batch_size\" is not an axis of "
            "[sweep] (quick sizes replace axes)");
  EXPECT_EQ(error_of(edited("verdict = \"rate\"", "verdict = \"speed\"")),
            "suite.toml:41: claim.verdict (\"speed\") must be one of rate, linear_speedup, "
            "bound_holds, heterogeneity_robustness, sandwich, exactness");
  EXPECT_EQ(error_of(edited("x = \"run.iterations\"", "axis = \"run.iterations\"")),
            "suite.toml:43: unknown key \"axis\" in [[claim]] 1 (verdict \"rate\"); the keys are "
            "name, verdict, description, where, x, expected, tolerance");
  EXPECT_EQ(error_of(std::string(kSuite) + "[[claim]]\nname = \"rate\"\nverdict = \"rate\"\n"),
            "suite.toml:44: claim.name (\"rate\") is used twice in this suite");
  EXPECT_EQ(error_of(std::string(kSuite) + "[extra]\nx = 1\n"),
            "suite.toml:44: unknown key \"extra\" in the suite file; the keys are suite, "
            "defaults, run, sweep, claim");
  EXPECT_EQ(error_of("[suite]\nname = \"x\"\n"),
            "suite.toml:1: a suite needs a [defaults] run configuration or [[run]] entries");
  EXPECT_EQ(error_of(edited("\"algorithm.name\" = [", "\"algorithm\" = [")),
            "suite.toml:36: sweep axis \"algorithm\" must name a configuration key as "
            "\"table.key\" (say \"algorithm.step_size\")");
  EXPECT_EQ(error_of(kSuite, {.engine = "gpu"}), "--engine (\"gpu\") must be sim, threads or mpi");
}

TEST(SuiteConfig, RecognisesSuiteFiles) {
  const fs::path dir =
      fs::temp_directory_path() / ("dsgdlab_suite_config_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "suite.toml") << kSuite;
  std::ofstream(dir / "run.toml") << "[run]\nworkers = 1\n";
  std::ofstream(dir / "broken.toml") << "[suite\n";
  EXPECT_TRUE(is_suite_file(dir / "suite.toml"));
  EXPECT_FALSE(is_suite_file(dir / "run.toml"));
  EXPECT_FALSE(is_suite_file(dir / "broken.toml"));
  EXPECT_FALSE(is_suite_file(dir / "absent.toml"));
  EXPECT_EQ(parse_suite(dir / "suite.toml").runs.size(), 24U);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dsgdlab
