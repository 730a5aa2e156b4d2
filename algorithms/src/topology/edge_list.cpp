#include "dsgdlab/algorithms/topology/edge_list.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

constexpr std::string_view kBlanks = " \t\r\v\f";

/// The blank-separated fields of a line after its comment is removed.
std::vector<std::string_view> fields_of(std::string_view line) {
  line = line.substr(0, line.find('#'));
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while ((pos = line.find_first_not_of(kBlanks, pos)) != std::string_view::npos) {
    std::size_t stop = line.find_first_of(kBlanks, pos);
    if (stop == std::string_view::npos) stop = line.size();
    fields.push_back(line.substr(pos, stop - pos));
    pos = stop;
  }
  return fields;
}

int parse_vertex(const std::filesystem::path& file, std::size_t line_number, std::string_view text,
                 int num_workers) {
  int value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
    throw FileFormatError(file, line_number,
                          "worker id \"" + std::string(text) + "\" is not an integer");
  }
  if (value < 0) {
    throw FileFormatError(file, line_number,
                          "worker id " + std::to_string(value) + " is negative (ids are 0-based)");
  }
  if (num_workers > 0 && value >= num_workers) {
    throw FileFormatError(file, line_number,
                          "worker id " + std::to_string(value) + " is outside [0, " +
                              std::to_string(num_workers) + ") for " + std::to_string(num_workers) +
                              " workers");
  }
  return value;
}

}  // namespace

Graph read_edge_list(const std::filesystem::path& file, int num_workers) {
  if (num_workers < 0) {
    throw invalid_option("edge list num_workers", num_workers,
                         "must be nonnegative (0: infer from the file)");
  }
  const std::string text = read_file(file);
  std::vector<std::pair<int, int>> edges;
  std::unordered_map<std::uint64_t, std::size_t> first_line;  // {u, v} → line of first occurrence
  int max_id = -1;
  std::size_t line_number = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    const auto fields = fields_of(std::string_view(text).substr(begin, end - begin));
    begin = end + 1;
    if (fields.empty()) continue;
    if (fields.size() != 2) {
      throw FileFormatError(file, line_number,
                            "expected 2 fields \"u v\", found " + std::to_string(fields.size()));
    }
    const int u = parse_vertex(file, line_number, fields[0], num_workers);
    const int v = parse_vertex(file, line_number, fields[1], num_workers);
    if (u == v) {
      throw FileFormatError(file, line_number,
                            "self-loop {" + std::to_string(u) + ", " + std::to_string(v) + "}");
    }
    const auto low = static_cast<std::uint64_t>(std::min(u, v));
    const auto high = static_cast<std::uint64_t>(std::max(u, v));
    const auto [it, inserted] = first_line.emplace((low << 32) | high, line_number);
    if (!inserted) {
      throw FileFormatError(file, line_number,
                            "edge {" + std::to_string(u) + ", " + std::to_string(v) +
                                "} is given again (first on line " + std::to_string(it->second) +
                                ")");
    }
    edges.emplace_back(u, v);
    max_id = std::max({max_id, u, v});
  }
  if (num_workers == 0 && edges.empty()) {
    throw FileFormatError(file, 0, "no edges, so the number of workers cannot be inferred");
  }
  return Graph::from_edges(num_workers > 0 ? num_workers : max_id + 1, edges);
}

}  // namespace dsgdlab
