#include "dsgdlab/experiments/suite_results.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;

/// A required member of a JSON object, with the manifest's path in the message.
const nlohmann::json& member(const nlohmann::json& object, const char* key, const fs::path& file,
                             const std::string& where) {
  if (!object.is_object() || !object.contains(key)) {
    throw FileFormatError(file, 0, where + " has no \"" + key + "\"");
  }
  return object.at(key);
}

std::string string_member(const nlohmann::json& object, const char* key, const fs::path& file,
                          const std::string& where) {
  const auto& value = member(object, key, file, where);
  if (!value.is_string()) {
    throw FileFormatError(file, 0,
                          where + " \"" + key + "\" must be a string, not " + value.dump());
  }
  return value.get<std::string>();
}

std::string optional_string(const nlohmann::json& object, const char* key) {
  if (!object.contains(key) || !object.at(key).is_string()) return {};
  return object.at(key).get<std::string>();
}

SuiteResultsClaim parse_claim(const nlohmann::json& claim, const fs::path& file,
                              std::size_t index) {
  const std::string where = "claims[" + std::to_string(index) + "]";
  SuiteResultsClaim parsed;
  parsed.name = string_member(claim, "name", file, where);
  parsed.verdict = string_member(claim, "verdict", file, where);
  if (claim.contains("line") && claim.at("line").is_number_unsigned()) {
    parsed.line = claim.at("line").get<std::size_t>();
  }
  if (claim.contains("params")) {
    if (!claim.at("params").is_object()) {
      throw FileFormatError(file, 0, where + " \"params\" must be an object");
    }
    parsed.params = claim.at("params");
  }
  return parsed;
}

SuiteResultsRun parse_run(const nlohmann::json& run, const fs::path& directory,
                          const fs::path& file, std::size_t index) {
  const std::string where = "runs[" + std::to_string(index) + "]";
  SuiteResultsRun parsed;
  parsed.id = string_member(run, "id", file, where);
  parsed.label = optional_string(run, "label");
  if (run.contains("point")) {
    if (!run.at("point").is_object()) {
      throw FileFormatError(file, 0, where + " \"point\" must be an object");
    }
    parsed.point = run.at("point");
  }
  if (run.contains("replicate")) {
    if (!run.at("replicate").is_number_integer()) {
      throw FileFormatError(file, 0, where + " \"replicate\" must be an integer");
    }
    parsed.replicate = run.at("replicate").get<int>();
  }
  if (run.contains("seed") && run.at("seed").is_number_unsigned()) {
    parsed.seed = run.at("seed").get<std::uint64_t>();
  }
  std::string relative = optional_string(run, "directory");
  if (relative.empty()) relative = "runs/" + parsed.id;
  parsed.directory = directory / relative;
  const fs::path summary = parsed.directory / "summary.json";
  if (!fs::is_regular_file(summary)) {
    throw InputError("run " + relative + " (point " + describe_point(parsed.point) +
                     ", replicate " + std::to_string(parsed.replicate) + ") of " +
                     directory.string() + " is incomplete: run the suite again to finish it");
  }
  parsed.summary = read_json(summary);
  return parsed;
}

bool parse_number(std::string_view text, double& value) {
  if (text.empty() || text == "nan" || text == "NaN") {
    value = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text == "inf") {
    value = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-inf") {
    value = -std::numeric_limits<double>::infinity();
    return true;
  }
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  value = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size();
}

std::vector<std::string_view> split_commas(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      cells.push_back(line.substr(start));
      return cells;
    }
    cells.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

}  // namespace

SuiteResults read_suite_results(const fs::path& directory) {
  const fs::path manifest = directory / kSuiteManifestFileName;
  if (!fs::is_regular_file(manifest)) {
    throw InputError(directory.string() +
                     " is not a suite results directory: it has no suite.json (write one with "
                     "`dsgdlab run SUITE --out " +
                     directory.string() + "`)");
  }
  const nlohmann::json json = read_json(manifest);
  if (!json.is_object()) throw FileFormatError(manifest, 0, "must hold a JSON object");
  const std::string format = string_member(json, "format", manifest, "the manifest");
  if (format != kSuiteResultsFormat) {
    throw FileFormatError(
        manifest, 0,
        "format \"" + format + "\" is not \"" + std::string(kSuiteResultsFormat) + "\"");
  }
  SuiteResults results;
  results.directory = fs::absolute(directory).lexically_normal();
  const nlohmann::json& suite = member(json, "suite", manifest, "the manifest");
  results.name = string_member(suite, "name", manifest, "\"suite\"");
  results.description = optional_string(suite, "description");
  const std::string file = optional_string(suite, "file");
  results.file = file.empty() ? results.directory / "suite.toml" : fs::path(file);
  results.quick =
      suite.contains("quick") && suite.at("quick").is_boolean() && suite.at("quick").get<bool>();
  if (suite.contains("seed") && suite.at("seed").is_number_unsigned()) {
    results.seed = suite.at("seed").get<std::uint64_t>();
  }
  if (suite.contains("seeds") && suite.at("seeds").is_number_integer()) {
    results.seeds = suite.at("seeds").get<int>();
  }
  const nlohmann::json& claims = member(json, "claims", manifest, "the manifest");
  const nlohmann::json& runs = member(json, "runs", manifest, "the manifest");
  if (!claims.is_array()) throw FileFormatError(manifest, 0, "\"claims\" must be an array");
  if (!runs.is_array()) throw FileFormatError(manifest, 0, "\"runs\" must be an array");
  for (std::size_t i = 0; i < claims.size(); ++i) {
    results.claims.push_back(parse_claim(claims[i], manifest, i));
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    results.runs.push_back(parse_run(runs[i], results.directory, manifest, i));
  }
  return results;
}

std::vector<fs::path> find_suite_directories(const fs::path& results) {
  std::error_code ec;
  if (!fs::is_directory(results, ec)) {
    throw InputError(results.string() +
                     " is not a directory (expected a suite results directory "
                     "or a directory of them)");
  }
  if (fs::is_regular_file(results / kSuiteManifestFileName)) return {results};
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(results)) {
    if (entry.is_directory() && fs::is_regular_file(entry.path() / kSuiteManifestFileName)) {
      found.push_back(entry.path());
    }
  }
  if (found.empty()) {
    throw InputError(results.string() +
                     " holds no suite results: neither it nor a subdirectory has suite.json "
                     "(write one with `dsgdlab run SUITE --out DIR`)");
  }
  std::sort(found.begin(), found.end());
  return found;
}

const std::vector<double>& NumericCsv::column(std::string_view name) const {
  const auto found = columns.find(name);
  if (found == columns.end()) {
    std::string names;
    for (const auto& column_name : header) names += (names.empty() ? "" : ", ") + column_name;
    throw InputError(file.string() + " has no column \"" + std::string(name) +
                     "\" (columns: " + names + ")");
  }
  return found->second;
}

NumericCsv read_numeric_csv(const fs::path& file) {
  const std::string text = read_file(file);
  NumericCsv table;
  table.file = file;
  std::size_t line_number = 0;
  std::size_t start = 0;
  std::vector<std::vector<double>*> targets;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const auto cells = split_commas(line);
    if (table.header.empty()) {
      for (const auto cell : cells) {
        table.header.emplace_back(cell);
        if (!table.columns.emplace(std::string(cell), std::vector<double>{}).second) {
          throw FileFormatError(file, line_number,
                                "column \"" + std::string(cell) + "\" appears twice");
        }
      }
      for (const auto& name : table.header) targets.push_back(&table.columns.find(name)->second);
      continue;
    }
    if (cells.size() != table.header.size()) {
      throw FileFormatError(file, line_number,
                            "has " + std::to_string(cells.size()) + " cells, the header " +
                                std::to_string(table.header.size()));
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      double value = 0.0;
      if (!parse_number(cells[c], value)) {
        throw FileFormatError(
            file, line_number,
            "column " + table.header[c] + ": \"" + std::string(cells[c]) + "\" is not a number");
      }
      targets[c]->push_back(value);
    }
    ++table.rows;
  }
  if (table.header.empty()) throw FileFormatError(file, 0, "is empty (no header)");
  return table;
}

std::string describe_point(const nlohmann::json& point) {
  if (!point.is_object() || point.empty()) return "defaults";
  std::string text;
  for (const auto& [key, value] : point.items()) {
    if (!text.empty()) text += ", ";
    text += key + " = " + value.dump();
  }
  return text;
}

}  // namespace dsgdlab
