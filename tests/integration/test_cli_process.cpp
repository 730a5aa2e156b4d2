// Runs the real `dsgdlab` executable as a user would and checks exit codes and output.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct ProcessResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

ProcessResult run_dsgdlab(const std::string& arguments) {
  const std::string command = std::string(DSGDLAB_EXECUTABLE) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

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
