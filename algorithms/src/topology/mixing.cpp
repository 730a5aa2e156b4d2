#include "dsgdlab/algorithms/topology/mixing.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

constexpr std::array<MixingRuleInfo, 4> kMixingRules{{
    {MixingRule::kUniform, "uniform",
     "W_ij = 1/(d+1) on each neighbour and on itself; regular graphs only"},
    {MixingRule::kMetropolisHastings, "metropolis_hastings",
     "W_ij = 1/(1 + max(d_i, d_j)) per edge, W_ii = 1 - row sum; any graph"},
    {MixingRule::kLazyUniform, "lazy_uniform",
     "(I + W_uniform)/2: eigenvalues in [0, 1], regular graphs only"},
    {MixingRule::kLazyMetropolisHastings, "lazy_metropolis_hastings",
     "(I + W_metropolis_hastings)/2: eigenvalues in [0, 1]; any graph"},
}};

using Triplet = Eigen::Triplet<double>;

SparseMatrix from_triplets(Index n, const std::vector<Triplet>& triplets) {
  SparseMatrix matrix(n, n);
  matrix.setFromTriplets(triplets.begin(), triplets.end());
  matrix.makeCompressed();
  return matrix;
}

void require_regular(const Graph& graph, MixingRule rule) {
  if (graph.is_regular()) return;
  const int d0 = graph.degree(0);
  int v = 1;
  while (graph.degree(v) == d0) ++v;
  throw InputError("the " + std::string(to_string(rule)) +
                   " mixing rule W_ij = 1/(d+1) needs a regular graph, but vertex 0 has degree " +
                   std::to_string(d0) + " and vertex " + std::to_string(v) + " has degree " +
                   std::to_string(graph.degree(v)) +
                   "; use metropolis_hastings (or lazy_metropolis_hastings) instead");
}

// ---- text parsing for read_mixing_matrix -------------------------------------------------

struct DataLine {
  std::size_t line_number;
  std::vector<std::string_view> fields;
};

/// Non-empty lines with their comments removed, split at blanks.
std::vector<DataLine> data_lines(std::string_view text) {
  std::vector<DataLine> lines;
  std::size_t line_number = 0;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    ++line_number;
    std::string_view line = text.substr(begin, end - begin);
    line = line.substr(0, line.find('#'));
    DataLine data{line_number, {}};
    std::size_t pos = 0;
    while (pos < line.size()) {
      pos = line.find_first_not_of(" \t\r\v\f", pos);
      if (pos == std::string_view::npos) break;
      std::size_t stop = line.find_first_of(" \t\r\v\f", pos);
      if (stop == std::string_view::npos) stop = line.size();
      data.fields.push_back(line.substr(pos, stop - pos));
      pos = stop;
    }
    if (!data.fields.empty()) lines.push_back(std::move(data));
    if (end == text.size()) break;
    begin = end + 1;
  }
  return lines;
}

std::optional<double> parse_decimal(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

/// A decimal number or a fraction "p/q" of two decimals.
std::optional<double> parse_weight(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return parse_decimal(text);
  const auto numerator = parse_decimal(text.substr(0, slash));
  const auto denominator = parse_decimal(text.substr(slash + 1));
  if (!numerator || !denominator || *denominator == 0.0) return std::nullopt;
  return *numerator / *denominator;
}

double read_weight(const std::filesystem::path& file, const DataLine& line, std::size_t field) {
  const auto value = parse_weight(line.fields[field]);
  if (!value) {
    throw FileFormatError(file, line.line_number,
                          "\"" + std::string(line.fields[field]) +
                              "\" is not a number (write a decimal such as 0.25 or a fraction "
                              "such as 1/3)");
  }
  return *value;
}

/// An index field: an integer in [0, n), or in [0, ∞) when n = 0 (inferred).
int read_index(const std::filesystem::path& file, const DataLine& line, std::size_t field, int n) {
  const std::string_view text = line.fields[field];
  int value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
    throw FileFormatError(file, line.line_number,
                          "index \"" + std::string(text) + "\" is not an integer");
  }
  if (value < 0 || (n > 0 && value >= n)) {
    std::string range = n > 0 ? "[0, " + std::to_string(n) + ")" : "[0, infinity)";
    throw FileFormatError(file, line.line_number,
                          "index " + std::to_string(value) + " is outside " + range +
                              (n > 0 ? " for " + std::to_string(n) + " workers" : ""));
  }
  return value;
}

SparseMatrix read_dense(const std::filesystem::path& file, const std::vector<DataLine>& lines,
                        int n) {
  const auto n_size = static_cast<std::size_t>(n);
  std::vector<Triplet> triplets;
  for (std::size_t r = 0; r < lines.size(); ++r) {
    const auto& line = lines[r];
    if (r >= n_size) {
      throw FileFormatError(file, line.line_number,
                            "dense matrix has more than " + std::to_string(n) + " rows");
    }
    if (line.fields.size() != n_size) {
      throw FileFormatError(file, line.line_number,
                            "dense row " + std::to_string(r) + " has " +
                                std::to_string(line.fields.size()) + " numbers, expected " +
                                std::to_string(n));
    }
    for (std::size_t c = 0; c < n_size; ++c) {
      const double w = read_weight(file, line, c);
      if (w != 0.0) triplets.emplace_back(static_cast<int>(r), static_cast<int>(c), w);
    }
  }
  if (lines.size() < n_size) {
    throw FileFormatError(file, 0,
                          "dense matrix has " + std::to_string(lines.size()) + " rows, expected " +
                              std::to_string(n));
  }
  return from_triplets(n, triplets);
}

SparseMatrix read_triplets(const std::filesystem::path& file, const std::vector<DataLine>& lines,
                           int n) {
  std::vector<Triplet> triplets;
  std::unordered_map<std::uint64_t, std::size_t> first_line;  // (i, j) → line it appeared on
  int max_index = -1;
  for (const auto& line : lines) {
    if (line.fields.size() != 3) {
      throw FileFormatError(
          file, line.line_number,
          "expected 3 fields \"i j w\", found " + std::to_string(line.fields.size()));
    }
    const int i = read_index(file, line, 0, n);
    const int j = read_index(file, line, 1, n);
    const double w = read_weight(file, line, 2);
    const std::uint64_t key = (static_cast<std::uint64_t>(i) << 32) | static_cast<std::uint64_t>(j);
    const auto [it, inserted] = first_line.emplace(key, line.line_number);
    if (!inserted) {
      throw FileFormatError(file, line.line_number,
                            "entry (" + std::to_string(i) + ", " + std::to_string(j) +
                                ") is given again (first on line " + std::to_string(it->second) +
                                ")");
    }
    max_index = std::max({max_index, i, j});
    if (w != 0.0) triplets.emplace_back(i, j, w);
  }
  return from_triplets(n > 0 ? n : max_index + 1, triplets);
}

}  // namespace

std::string_view to_string(MixingRule rule) {
  for (const auto& info : kMixingRules) {
    if (info.rule == rule) return info.name;
  }
  return "unknown";
}

MixingRule parse_mixing_rule(std::string_view name, std::string_view field) {
  std::string known;
  for (const auto& info : kMixingRules) {
    if (info.name == name) return info.rule;
    if (!known.empty()) known += ", ";
    known += info.name;
  }
  throw invalid_option(field, name, "is not a known mixing rule (" + known + ")");
}

std::span<const MixingRuleInfo> mixing_rule_catalog() { return kMixingRules; }

SparseMatrix mixing_matrix(const Graph& graph, MixingRule rule) {
  const int n = graph.num_vertices();
  const bool lazy = rule == MixingRule::kLazyUniform || rule == MixingRule::kLazyMetropolisHastings;
  const bool uniform = rule == MixingRule::kUniform || rule == MixingRule::kLazyUniform;
  if (uniform) require_regular(graph, rule);

  std::vector<Triplet> triplets;
  triplets.reserve(static_cast<std::size_t>(n) + 2 * graph.num_edges());
  for (int u = 0; u < n; ++u) {
    const int d_u = graph.degree(u);
    double off_diagonal_sum = 0.0;
    for (int w : graph.neighbors(u)) {
      const double weight = uniform ? 1.0 / (d_u + 1) : 1.0 / (1 + std::max(d_u, graph.degree(w)));
      off_diagonal_sum += weight;
      triplets.emplace_back(u, w, lazy ? 0.5 * weight : weight);
    }
    const double diagonal = uniform ? 1.0 / (d_u + 1) : 1.0 - off_diagonal_sum;
    triplets.emplace_back(u, u, lazy ? 0.5 * (1.0 + diagonal) : diagonal);
  }
  return from_triplets(n, triplets);
}

SparseMatrix read_mixing_matrix(const std::filesystem::path& file, int num_workers) {
  if (num_workers < 0) {
    throw invalid_option("mixing matrix num_workers", num_workers,
                         "must be nonnegative (0: infer from the file)");
  }
  const std::string text = read_file(file);
  const auto lines = data_lines(text);
  if (lines.empty())
    throw FileFormatError(file, 0, "no matrix entries (the file has no data lines)");
  const std::size_t first_fields = lines.front().fields.size();
  const bool dense =
      first_fields != 3 || ((num_workers == 0 || num_workers == 3) && lines.size() == 3);
  if (dense) {
    const int n = num_workers > 0 ? num_workers : static_cast<int>(first_fields);
    return read_dense(file, lines, n);
  }
  return read_triplets(file, lines, num_workers);
}

Graph support_graph(const SparseMatrix& mixing) {
  if (mixing.rows() != mixing.cols()) {
    throw InputError("support_graph: the matrix is not square: " + std::to_string(mixing.rows()) +
                     " x " + std::to_string(mixing.cols()));
  }
  std::vector<std::pair<int, int>> edges;
  for (Index k = 0; k < mixing.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(mixing, k); it; ++it) {
      if (it.row() == it.col() || it.value() == 0.0) continue;
      const auto i = static_cast<int>(it.row());
      const auto j = static_cast<int>(it.col());
      edges.emplace_back(std::min(i, j), std::max(i, j));
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return Graph::from_edges(static_cast<int>(mixing.rows()), edges);
}

}  // namespace dsgdlab
