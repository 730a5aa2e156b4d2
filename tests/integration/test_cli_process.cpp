// Runs the real `dsgdlab` executable as a user would and checks exit codes and output.

#include <gtest/gtest.h>

#include <string>

#include "dsgdlab_process.hpp"

namespace {

using dsgdlab_process::run_dsgdlab;

TEST(DsgdlabProcess, VersionExitsZero) {
  const auto result = run_dsgdlab("--version");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output.rfind("dsgdlab ", 0), 0u) << result.output;
}

TEST(DsgdlabProcess, ListExitsZero) {
  const auto result = run_dsgdlab("list");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("quadratic"), std::string::npos);
}

TEST(DsgdlabProcess, BadArgumentsExitTwo) {
  EXPECT_EQ(run_dsgdlab("list nonsense").exit_code, 2);
  EXPECT_EQ(run_dsgdlab("--no-such-flag").exit_code, 2);
  EXPECT_EQ(run_dsgdlab("").exit_code, 2);
}

}  // namespace
