#pragma once

/// Reading the results directory of a suite (`dsgdlab run SUITE --out DIR`, docs/suites.md):
///
///     DIR/suite.json        manifest: format "dsgdlab-suite-results/1", the suite, its claims
///                           and its runs (id, label, point, replicate, seed, directory)
///     DIR/runs/<id>/        one run's files; summary.json exists iff the run finished
///     DIR/verdicts.json     written by `dsgdlab check` and `dsgdlab report`
///
/// `dsgdlab check RESULTS` accepts one suite directory (it holds suite.json) or a directory
/// whose immediate subdirectories are suite directories (find_suite_directories).

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace dsgdlab {

inline constexpr std::string_view kSuiteManifestFileName = "suite.json";
inline constexpr std::string_view kSuiteResultsFormat = "dsgdlab-suite-results/1";
inline constexpr std::string_view kVerdictsFileName = "verdicts.json";

/// One [[claim]] of the suite file as the manifest records it.
struct SuiteResultsClaim {
  std::string name;
  /// The verdict kind: "rate", "linear_speedup", "bound_holds", "heterogeneity_robustness",
  /// "sandwich", "exactness".
  std::string verdict;
  /// 1-based line of the [[claim]] table in the suite file (0 when unknown).
  std::size_t line = 0;
  /// Every other key of the [[claim]] table ("where", "x", "expected", ...), as JSON.
  nlohmann::json params = nlohmann::json::object();
};

/// One finished run of the suite (a run point × a replicate).
struct SuiteResultsRun {
  std::string id;
  std::string label;
  /// The values that distinguish the run point, flattened to "table.key" (a JSON object).
  nlohmann::json point = nlohmann::json::object();
  int replicate = 0;
  std::uint64_t seed = 0;
  /// The run's directory, absolute (DIR/runs/<id>).
  std::filesystem::path directory;
  /// Its summary.json.
  nlohmann::json summary;
};

/// A suite results directory read into memory (run files other than summary.json are read on
/// demand with read_numeric_csv).
struct SuiteResults {
  std::filesystem::path directory;
  std::string name;
  std::string description;
  /// The suite file the results came from (suite.json "file"); DIR/suite.toml when absent.
  std::filesystem::path file;
  bool quick = false;
  std::uint64_t seed = 0;
  int seeds = 1;
  std::vector<SuiteResultsClaim> claims;
  std::vector<SuiteResultsRun> runs;
};

/// Reads DIR/suite.json and every run's summary.json. Throws InputError (FileFormatError for a
/// malformed file) when suite.json is missing or malformed, or when a run has no summary.json:
/// "run runs/<id> (point ...) is incomplete: run the suite again to finish it".
SuiteResults read_suite_results(const std::filesystem::path& directory);

/// The suite directories under `results`: `results` itself when it holds suite.json, otherwise
/// its immediate subdirectories that hold suite.json, sorted by name. Throws InputError when
/// `results` does not exist or holds no suite directory.
std::vector<std::filesystem::path> find_suite_directories(const std::filesystem::path& results);

/// A CSV file of numbers (trace.csv, bounds.csv): the header and one vector per column.
/// "nan", "inf", "-inf" and empty cells read as the corresponding doubles (empty = NaN).
struct NumericCsv {
  std::filesystem::path file;
  std::vector<std::string> header;
  std::map<std::string, std::vector<double>, std::less<>> columns;
  std::size_t rows = 0;

  bool has(std::string_view column) const { return columns.find(column) != columns.end(); }
  /// The column called `name`; throws InputError naming the file and the columns it has.
  const std::vector<double>& column(std::string_view name) const;
};

/// Reads a CSV file whose cells are numbers (no quoted texts). Throws FileFormatError naming
/// the file and line of a cell that is not a number or a row of the wrong width.
NumericCsv read_numeric_csv(const std::filesystem::path& file);

/// A point as one line of text: {"algorithm.name": "adpsgd", "run.iterations": 1000} →
/// `algorithm.name = "adpsgd", run.iterations = 1000` ("defaults" for an empty point).
std::string describe_point(const nlohmann::json& point);

}  // namespace dsgdlab
