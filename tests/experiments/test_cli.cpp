#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dsgdlab/core/version.hpp"
#include "dsgdlab/experiments/cli.hpp"

namespace dsgdlab {
namespace {

struct CliResult {
  int exit_code;
  std::string out;
  std::string err;
};

CliResult run(std::vector<const char*> args) {
  args.insert(args.begin(), "dsgdlab");
  std::ostringstream out, err;
  const int code = run_cli(static_cast<int>(args.size()), args.data(), out, err);
  return {code, out.str(), err.str()};
}

TEST(Cli, VersionPrintsTheProjectVersion) {
  const auto result = run({"--version"});
  EXPECT_EQ(result.exit_code, kExitSuccess);
  EXPECT_NE(result.out.find(std::string("dsgdlab ") + kVersion), std::string::npos) << result.out;
}

TEST(Cli, ListShowsEverySectionWithDescriptions) {
  const auto result = run({"list"});
  ASSERT_EQ(result.exit_code, kExitSuccess) << result.err;
  for (const char* expected : {"problems",
                               "quadratic",
                               "nonconvex_separable",
                               "logistic_nonconvex",
                               "mlp",
                               "robust_regression",
                               "partitions",
                               "dirichlet",
                               "topologies",
                               "ring",
                               "torus",
                               "hypercube",
                               "exponential",
                               "complete",
                               "star",
                               "erdos_renyi",
                               "random_regular",
                               "edge_list",
                               "mixing",
                               "metropolis_hastings",
                               "lazy_uniform",
                               "groupings",
                               "label_aligned",
                               "label_covering",
                               "nested"}) {
    EXPECT_NE(result.out.find(expected), std::string::npos) << "missing " << expected;
  }
}

TEST(Cli, ListOneSectionAsJson) {
  const auto result = run({"list", "topologies", "--json"});
  ASSERT_EQ(result.exit_code, kExitSuccess) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json.size(), 1u);
  ASSERT_TRUE(json.contains("topologies"));
  for (const auto& entry : json["topologies"]) {
    EXPECT_FALSE(entry["name"].get<std::string>().empty());
    EXPECT_FALSE(entry["description"].get<std::string>().empty());
  }
}

TEST(Cli, BadArgumentsExitTwoWithAMessage) {
  const auto unknown_command = run({"frobnicate"});
  EXPECT_EQ(unknown_command.exit_code, kExitBadInput);
  EXPECT_FALSE(unknown_command.err.empty());

  const auto bad_section = run({"list", "problemz"});
  EXPECT_EQ(bad_section.exit_code, kExitBadInput);
  EXPECT_NE(bad_section.err.find("problemz"), std::string::npos) << bad_section.err;

  const auto no_command = run({});
  EXPECT_EQ(no_command.exit_code, kExitBadInput);

  const auto unknown_flag = run({"list", "--colour"});
  EXPECT_EQ(unknown_flag.exit_code, kExitBadInput);
  EXPECT_NE(unknown_flag.err.find("--colour"), std::string::npos) << unknown_flag.err;
}

}  // namespace
}  // namespace dsgdlab
