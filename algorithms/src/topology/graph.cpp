#include "dsgdlab/algorithms/topology/graph.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

std::string describe_edge(std::size_t index, std::pair<int, int> edge) {
  return "edges[" + std::to_string(index) + "] = {" + std::to_string(edge.first) + ", " +
         std::to_string(edge.second) + "}";
}

}  // namespace

Graph Graph::from_edges(int n, std::span<const std::pair<int, int>> edges) {
  if (n < 0) throw invalid_option("graph vertex count", n, "must be nonnegative");
  const auto num_vertices = static_cast<std::uint64_t>(n);

  // Key {u, v} with u < v as u·n + v; sorting the keys finds duplicates and, because every key
  // (u, x) with u < x precedes every key (x, v) with x < v, filling the rows in key order
  // leaves each neighbour list sorted without a further sort.
  struct KeyedEdge {
    std::uint64_t key;
    std::size_t index;
  };
  std::vector<KeyedEdge> keyed(edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const auto [a, b] = edges[e];
    for (int endpoint : {a, b}) {
      if (endpoint < 0 || endpoint >= n) {
        throw InputError("graph: " + describe_edge(e, edges[e]) + " has vertex " +
                         std::to_string(endpoint) + " outside [0, " + std::to_string(n) + ")");
      }
    }
    if (a == b) throw InputError("graph: " + describe_edge(e, edges[e]) + " is a self-loop");
    const auto u = static_cast<std::uint64_t>(std::min(a, b));
    const auto v = static_cast<std::uint64_t>(std::max(a, b));
    keyed[e] = {u * num_vertices + v, e};
  }
  std::sort(keyed.begin(), keyed.end(), [](const KeyedEdge& x, const KeyedEdge& y) {
    return x.key != y.key ? x.key < y.key : x.index < y.index;
  });
  for (std::size_t k = 1; k < keyed.size(); ++k) {
    if (keyed[k].key == keyed[k - 1].key) {
      throw InputError("graph: " + describe_edge(keyed[k].index, edges[keyed[k].index]) +
                       " duplicates " +
                       describe_edge(keyed[k - 1].index, edges[keyed[k - 1].index]));
    }
  }

  const auto n_size = static_cast<std::size_t>(n);
  std::vector<std::size_t> offsets(n_size + 1, 0);
  for (const auto& [a, b] : edges) {
    ++offsets[static_cast<std::size_t>(a) + 1];
    ++offsets[static_cast<std::size_t>(b) + 1];
  }
  for (std::size_t v = 0; v < n_size; ++v) offsets[v + 1] += offsets[v];
  std::vector<int> neighbors(offsets[n_size]);
  std::vector<std::size_t> next(offsets.begin(), offsets.end() - 1);
  for (const auto& item : keyed) {
    const auto u = static_cast<std::size_t>(item.key / num_vertices);
    const auto v = static_cast<std::size_t>(item.key % num_vertices);
    neighbors[next[u]++] = static_cast<int>(v);
    neighbors[next[v]++] = static_cast<int>(u);
  }
  return Graph(std::move(offsets), std::move(neighbors));
}

bool Graph::has_edge(int u, int v) const {
  const int n = num_vertices();
  if (u < 0 || v < 0 || u >= n || v >= n || u == v) return false;
  if (degree(u) > degree(v)) std::swap(u, v);
  const auto list = neighbors(u);
  return std::binary_search(list.begin(), list.end(), v);
}

std::vector<std::pair<int, int>> Graph::edges() const {
  std::vector<std::pair<int, int>> result;
  result.reserve(num_edges());
  for (int u = 0; u < num_vertices(); ++u) {
    for (int v : neighbors(u)) {
      if (u < v) result.emplace_back(u, v);
    }
  }
  return result;
}

int Graph::min_degree() const {
  int result = num_vertices() > 0 ? degree(0) : 0;
  for (int v = 1; v < num_vertices(); ++v) result = std::min(result, degree(v));
  return result;
}

int Graph::max_degree() const {
  int result = 0;
  for (int v = 0; v < num_vertices(); ++v) result = std::max(result, degree(v));
  return result;
}

}  // namespace dsgdlab
