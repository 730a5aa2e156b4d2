// dsgdlab under mpirun (issue 8): `mpirun -np K dsgdlab run SUITE` shares a suite's runs over
// the ranks and writes the same results directory as one process; a run configuration on
// engine "mpi" runs one worker per rank (rank 0 coordinates and writes) with the trace of `sim`;
// a suite with mpi runs goes through them with every rank. Without a usable mpirun (built
// without MPI, or a machine that cannot start processes) the mpirun tests skip, saying why;
// the refusals are checked everywhere.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

class Mpirun : public ::testing::Test {
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

TEST_F(Mpirun, RanksShareTheRunsAndWriteWhatOneProcessWrites) {
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

TEST_F(Mpirun, ASimConfigurationUnderSeveralRanksIsRefused) {
  std::ofstream(dir_ / "run.toml")
      << "[run]\nworkers = 2\n[problem]\nname = \"quadratic\"\n[algorithm]\nname = "
         "\"allreduce_sgd\"\n";
  // The launcher's environment is all dsgdlab looks at before initialising MPI.
  const auto refused = run_dsgdlab("run run.toml", dir_, "OMPI_COMM_WORLD_SIZE=2");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.output,
            "dsgdlab: started by mpirun with 2 ranks, but run.toml runs on engine \"sim\": set "
            "run.engine = \"mpi\" to run its workers on the ranks (mpirun -np 3), or give mpirun "
            "a suite file to spread its runs over the ranks\n");
  EXPECT_FALSE(fs::exists(dir_ / "results"));
}

constexpr const char* kMpiRun = R"toml([run]
workers = 4
iterations = 120
engine = "mpi"
[problem]
name = "quadratic"
dim = 8
[algorithm]
name = "dpsgd"
step_size = 0.05
[topology]
kind = "ring"
)toml";

TEST_F(Mpirun, AnMpiConfigurationWithoutMpirunIsRefused) {
  std::ofstream(dir_ / "run.toml") << kMpiRun;
  const auto refused = run_dsgdlab("run run.toml --out out", dir_);
#ifdef DSGDLAB_MPIEXEC
  EXPECT_EQ(refused.output,
            "dsgdlab: run.engine (\"mpi\") runs one MPI rank per worker plus a coordinator: start "
            "it with mpirun -np 5 dsgdlab run run.toml\n");
#else
  EXPECT_NE(refused.output.find("built without MPI"), std::string::npos) << refused.output;
#endif
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

#ifdef DSGDLAB_MPIEXEC
/// The mpirun prefix of these tests, or an empty string (and the reason) when this machine's
/// mpirun cannot start processes.
std::pair<std::string, std::string> usable_mpirun(int ranks) {
  const std::string mpirun = "timeout 120 " + std::string(DSGDLAB_MPIEXEC) +
                             " --allow-run-as-root --oversubscribe -np " + std::to_string(ranks) +
                             " ";
  const auto [status, output] = shell(mpirun + "true");
  if (status != 0) return {"", mpirun + "true exited " + std::to_string(status) + ": " + output};
  return {mpirun, ""};
}
#endif

/// The same configuration on sim and on mpi: every trace column but the times is the same text,
/// and summary.json says which engine ran and where the workers' time went.
TEST_F(Mpirun, AnMpiConfigurationRunsOneWorkerPerRankWithTheTraceOfSim) {
#ifndef DSGDLAB_MPIEXEC
  GTEST_SKIP() << "dsgdlab was built without MPI";
#else
  const auto [mpirun, why_not] = usable_mpirun(5);
  if (mpirun.empty()) GTEST_SKIP() << "mpirun cannot start processes here: " << why_not;
  std::ofstream(dir_ / "mpi.toml") << kMpiRun;
  std::string sim_config = kMpiRun;
  sim_config.replace(sim_config.find("\"mpi\""), 5, "\"sim\"");
  std::ofstream(dir_ / "sim.toml") << sim_config;
  const auto [status, output] = shell("cd '" + dir_.string() + "' && " + mpirun +
                                      DSGDLAB_EXECUTABLE + " run mpi.toml --out mpi");
  ASSERT_EQ(status, 0) << output;
  // One summary line (rank 0's), not one per rank.
  EXPECT_EQ(output.find("dpsgd on quadratic: ok, 120 iterations"),
            output.rfind("dpsgd on quadratic: ok, 120 iterations"))
      << output;
  const auto sim = run_dsgdlab("run sim.toml --out sim", dir_);
  ASSERT_EQ(sim.exit_code, 0) << sim.output;
  const auto without_times = [](const std::string& csv) {
    // Drops the third column (virtual_time_s: wall time on mpi) of every line.
    std::string kept;
    std::size_t start = 0;
    while (start < csv.size()) {
      const std::size_t end = csv.find('\n', start);
      const std::string line = csv.substr(start, end - start);
      const std::size_t second = line.find(',', line.find(',') + 1);
      const std::size_t third = line.find(',', second + 1);
      kept += line.substr(0, second) + line.substr(third) + "\n";
      start = end == std::string::npos ? csv.size() : end + 1;
    }
    return kept;
  };
  const std::string mpi_trace = read_text(dir_ / "mpi" / "trace.csv");
  EXPECT_EQ(without_times(mpi_trace), without_times(read_text(dir_ / "sim" / "trace.csv")));
  EXPECT_EQ(std::count(mpi_trace.begin(), mpi_trace.end(), '\n'), 14);  // header, 0, 10, ..., 120
  const std::string summary = read_text(dir_ / "mpi" / "summary.json");
  EXPECT_NE(summary.find("\"engine\": \"mpi\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"worker_time_breakdown_s\""), std::string::npos) << summary;
#endif
}

/// A suite comparing sim and mpi runs: every rank goes through the runs together (the mpi ones
/// need them all), rank 0 writes, and a second launch finds every run done.
TEST_F(Mpirun, ASuiteWithMpiRunsGoesThroughThemWithEveryRankAndResumes) {
#ifndef DSGDLAB_MPIEXEC
  GTEST_SKIP() << "dsgdlab was built without MPI";
#else
  const auto [mpirun, why_not] = usable_mpirun(6);
  if (mpirun.empty()) GTEST_SKIP() << "mpirun cannot start processes here: " << why_not;
  std::string suite = kSuite;
  suite.replace(suite.find("name = \"mpi_suite\""), 18, "name = \"mpi_engine\"");
  suite.replace(suite.find("seeds = 3"), 9, "seeds = 2");
  suite += "\"run.engine\" = [\"sim\", \"mpi\"]\n";
  std::ofstream(dir_ / "engines.toml") << suite;
  const std::string command = "cd '" + dir_.string() + "' && " + mpirun + DSGDLAB_EXECUTABLE +
                              " run engines.toml --out out";
  const auto [status, output] = shell(command);
  ASSERT_EQ(status, 0) << output;
  EXPECT_NE(output.find("suite mpi_engine: 12 runs, 12 run now, 0 already done, 0 failed; results "
                        "in out (6 MPI ranks)"),
            std::string::npos)
      << output;
  std::size_t runs = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "out" / "runs")) {
    EXPECT_TRUE(fs::exists(entry.path() / "summary.json")) << entry.path();
    ++runs;
  }
  EXPECT_EQ(runs, 12U);
  const auto [again_status, again] = shell(command);
  ASSERT_EQ(again_status, 0) << again;
  EXPECT_NE(again.find("12 runs, 0 run now, 12 already done, 0 failed"), std::string::npos)
      << again;
#endif
}

/// experiments/suites/mpi/mpi_equals_sim.toml, quick, under mpirun: dsgdlab check passes its
/// four bitwise claims (mpi = sim for AllReduce-SGD, local SGD, H-SGD and D-PSGD).
TEST_F(Mpirun, TheMpiEqualsSimSuitePassesCheck) {
#ifndef DSGDLAB_MPIEXEC
  GTEST_SKIP() << "dsgdlab was built without MPI";
#else
  const auto [mpirun, why_not] = usable_mpirun(5);
  if (mpirun.empty()) GTEST_SKIP() << "mpirun cannot start processes here: " << why_not;
  const std::string suite =
      std::string(DSGDLAB_SOURCE_DIR) + "/experiments/suites/mpi/mpi_equals_sim.toml";
  const auto [status, output] = shell("cd '" + dir_.string() + "' && " + mpirun +
                                      DSGDLAB_EXECUTABLE + " run '" + suite + "' --quick --out q");
  ASSERT_EQ(status, 0) << output;
  const auto check = run_dsgdlab("check q", dir_);
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("4 claims: 4 passed, 0 failed, 0 regressed"), std::string::npos)
      << check.output;
#endif
}

TEST_F(Mpirun, ASuiteWithMpiRunsWithoutEnoughRanksIsRefused) {
  std::string suite = kSuite;
  suite += "\"run.engine\" = [\"mpi\"]\n";
  std::ofstream(dir_ / "engines.toml") << suite;
  const auto refused = run_dsgdlab("run engines.toml --out out", dir_);
  EXPECT_EQ(refused.exit_code, 2);
#ifdef DSGDLAB_MPIEXEC
  EXPECT_EQ(refused.output,
            "dsgdlab: suite mpi_suite has runs on engine \"mpi\" with up to 4 workers, which need "
            "5 MPI ranks (one per worker plus the coordinator); it was not started by mpirun: run "
            "mpirun -np 5 dsgdlab run engines.toml\n");
#endif
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

}  // namespace
