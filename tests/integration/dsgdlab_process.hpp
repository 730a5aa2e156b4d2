#pragma once

// Running the dsgdlab executable from the integration tests (DSGDLAB_EXECUTABLE is defined by
// tests/CMakeLists.txt for every tests/integration/test_*.cpp).

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace dsgdlab_process {

struct ProcessResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

/// Runs `ENVIRONMENT dsgdlab ARGUMENTS 2>&1` through the shell, in `directory` when one is given.
inline ProcessResult run_dsgdlab(const std::string& arguments,
                                 const std::filesystem::path& directory = {},
                                 const std::string& environment = "") {
  std::string command;
  if (!directory.empty()) command = "cd '" + directory.string() + "' && ";
  if (!environment.empty()) command += environment + " ";
  command += std::string(DSGDLAB_EXECUTABLE) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

/// The whole content of a text file ("" when it cannot be read).
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace dsgdlab_process
