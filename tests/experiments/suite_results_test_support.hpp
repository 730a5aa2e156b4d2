#pragma once

// Hand-built suite results directories (suite.json, runs/<id>/summary.json, trace.csv,
// bounds.csv) with known numbers, so that the verdict numbers are known in advance.

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace dsgdlab::testing {

namespace fs = std::filesystem;
using nlohmann::json;

/// A temporary directory removed at the end of the test.
class TempDirectory {
 public:
  explicit TempDirectory(const std::string& name)
      : path_(fs::temp_directory_path() / ("dsgdlab_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDirectory() { fs::remove_all(path_); }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << text;
}

/// One run of a fake suite.
struct FakeRun {
  json point = json::object();
  int replicate = 0;
  json summary = json::object();
  std::string trace_csv;
  std::string bounds_csv;
  std::string label;
};

/// summary.json with final R(K) = r at K iterations and f* = optimum.
inline json fake_summary(double r, int iterations = 100, double optimum = 0.0) {
  return {{"status", "ok"},
          {"final",
           {{"iteration", iterations}, {"running_avg_grad_norm_sq", r}, {"loss", optimum + r}}},
          {"constants", {{"optimum_value", {{"value", optimum}, {"origin", "exact"}}}}},
          {"bounds", {{"note", nullptr}, {"list", json::array()}}},
          {"spectral", nullptr}};
}

/// trace.csv with columns iteration, virtual_time_s, loss, grad_norm_sq,
/// running_avg_grad_norm_sq; grad_norm_sq halves every `time_per_halving` seconds from 1 (one
/// row per second of virtual time for `seconds` seconds), so it reaches ε at
/// time_per_halving·log2(1/ε) exactly (log-linear interpolation is exact for it).
inline std::string halving_trace(double time_per_halving, int seconds) {
  std::string text = "iteration,virtual_time_s,loss,grad_norm_sq,running_avg_grad_norm_sq\n";
  for (int t = 0; t <= seconds; ++t) {
    const double value = std::pow(0.5, t / time_per_halving);
    text += std::to_string(t) + "," + std::to_string(t) + "," + std::to_string(1.0 + value) + "," +
            std::to_string(value) + "," + (t == 0 ? "nan" : std::to_string(value)) + "\n";
  }
  return text;
}

/// A suite results directory written by hand.
class FakeSuite {
 public:
  FakeSuite(fs::path directory, std::string name)
      : directory_(std::move(directory)), name_(std::move(name)) {}

  void add_claim(const std::string& name, const std::string& verdict, json params, int line = 10) {
    claims_.push_back(
        {{"name", name}, {"verdict", verdict}, {"line", line}, {"params", std::move(params)}});
  }

  void add_run(json point, json summary, int replicate = 0, std::string trace_csv = "",
               std::string bounds_csv = "") {
    FakeRun run;
    run.point = std::move(point);
    run.summary = std::move(summary);
    run.replicate = replicate;
    run.trace_csv = std::move(trace_csv);
    run.bounds_csv = std::move(bounds_csv);
    runs_.push_back(std::move(run));
  }

  /// Writes suite.json and every run's files. Runs get ids 0000000000000001, ....
  void write(bool skip_last_summary = false) const {
    json runs = json::array();
    for (std::size_t i = 0; i < runs_.size(); ++i) {
      std::string id = std::to_string(i + 1);
      id = std::string(16 - id.size(), '0') + id;
      const FakeRun& run = runs_[i];
      const fs::path dir = directory_ / "runs" / id;
      fs::create_directories(dir);
      if (!(skip_last_summary && i + 1 == runs_.size())) {
        write_text(dir / "summary.json", run.summary.dump(2));
      }
      if (!run.trace_csv.empty()) write_text(dir / "trace.csv", run.trace_csv);
      if (!run.bounds_csv.empty()) write_text(dir / "bounds.csv", run.bounds_csv);
      runs.push_back({{"id", id},
                      {"label", run.label},
                      {"point", run.point},
                      {"replicate", run.replicate},
                      {"seed", 100 + run.replicate},
                      {"directory", "runs/" + id}});
    }
    const json manifest = {{"format", "dsgdlab-suite-results/1"},
                           {"suite",
                            {{"name", name_},
                             {"description", "a hand-built suite"},
                             {"file", (directory_ / "suite.toml").string()},
                             {"quick", true},
                             {"seed", 1},
                             {"seeds", 2},
                             {"engine", nullptr}}},
                           {"claims", claims_},
                           {"runs", runs}};
    write_text(directory_ / "suite.json", manifest.dump(2));
  }

  const fs::path& directory() const { return directory_; }

 private:
  fs::path directory_;
  std::string name_;
  json claims_ = json::array();
  std::vector<FakeRun> runs_;
};

/// A rate suite: final R = c_s · K^slope at K ∈ {100, 400, 1600}, replicates s = 0, 1 with
/// c_0 = 1, c_1 = 1.1 (so every seed has exactly the same slope) and one `rate` claim.
inline FakeSuite rate_suite(const fs::path& directory, double slope, double level = 1.0) {
  FakeSuite suite(directory, "rate_suite");
  for (const int iterations : {100, 400, 1600}) {
    for (int replicate = 0; replicate < 2; ++replicate) {
      const double r = level * (replicate == 0 ? 1.0 : 1.1) * std::pow(iterations, slope);
      suite.add_run({{"run.iterations", iterations}, {"algorithm.name", "sgd"}},
                    fake_summary(r, iterations), replicate);
    }
  }
  suite.add_claim("sgd_rate", "rate",
                  {{"where", {{"algorithm.name", "sgd"}}}, {"x", "run.iterations"}});
  return suite;
}

}  // namespace dsgdlab::testing
