// `mpirun -np K dsgdlab run SUITE`: the ranks share a suite's runs and write the same results
// directory as one process (issue 8, item 4). Skipped when dsgdlab was built without MPI.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "dsgdlab_process.hpp"

namespace {

namespace fs = std::filesystem;
using dsgdlab_process::read_text;
using dsgdlab_process::run_dsgdlab;

constexpr const char* kSuite = R"toml([suite]
name = "mpi_suite"
seeds = 3
[defaults.run]
workers = 4
iterations = 60
[defaults.problem]
name = "quadratic"
dim = 3
[defaults.algorithm]
name = "local_sgd"
step_size = 0.05
[sweep]
"algorithm.period" = [1, 2, 4]
)toml";

#ifdef DSGDLAB_MPIEXEC
/// Runs a shell command; its exit status (-1 when killed) and its output with stderr.
std::pair<int, std::string> shell(const std::string& command) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::string output;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}
#endif

class MpiSuite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dsgdlab_mpi_suite_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "suite.toml") << kSuite;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(MpiSuite, RanksShareTheRunsAndWriteWhatOneProcessWrites) {
#ifndef DSGDLAB_MPIEXEC
  GTEST_SKIP() << "dsgdlab was built without MPI";
#else
  const std::string mpirun =
      "timeout 120 " + std::string(DSGDLAB_MPIEXEC) + " --allow-run-as-root --oversubscribe -np 3 ";
  // Whether this machine can start MPI processes at all is a property of the machine, checked
  // apart: a container without a working process launcher skips, it does not fail.
  const auto [probe_status, probe_output] = shell(mpirun + "true");
  if (probe_status != 0) {
    GTEST_SKIP() << "mpirun cannot start processes here (" << mpirun << "true exited "
                 << probe_status << "): " << probe_output;
  }
  const auto [status, output] = shell("cd '" + dir_.string() + "' && " + mpirun +
                                      DSGDLAB_EXECUTABLE + " run suite.toml --out mpi");
  ASSERT_EQ(status, 0) << output;
  EXPECT_NE(output.find("suite mpi_suite: 9 runs, 9 run now, 0 already done, 0 failed; results "
                        "in mpi (3 MPI ranks)"),
            std::string::npos)
      << output;
  const auto one = run_dsgdlab("run suite.toml --out one", dir_);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  std::set<std::string> ids;
  for (const auto& entry : fs::directory_iterator(dir_ / "one" / "runs")) {
    ids.insert(entry.path().filename().string());
  }
  ASSERT_EQ(ids.size(), 9U);
  for (const std::string& id : ids) {
    for (const char* file : {"config.toml", "trace.csv", "bounds.csv"}) {
      EXPECT_EQ(read_text(dir_ / "mpi" / "runs" / id / file),
                read_text(dir_ / "one" / "runs" / id / file))
          << id << "/" << file;
    }
  }
  EXPECT_EQ(read_text(dir_ / "mpi" / "suite.json"), read_text(dir_ / "one" / "suite.json"));
#endif
}

TEST_F(MpiSuite, OneConfigurationUnderSeveralRanksIsRefused) {
  std::ofstream(dir_ / "run.toml")
      << "[run]\nworkers = 2\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
         "\"allreduce_sgd\"\n";
  // The launcher's environment is all dsgdlab looks at before initialising MPI.
  const auto refused = run_dsgdlab("run run.toml", dir_, "OMPI_COMM_WORLD_SIZE=2");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.output,
            "dsgdlab: mpirun spreads the runs of a suite over its ranks; run.toml is one run "
            "configuration: run it without mpirun\n");
}

}  // namespace
