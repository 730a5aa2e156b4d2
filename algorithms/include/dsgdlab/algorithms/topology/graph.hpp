#pragma once

/// The communication graph of a decentralized algorithm: an undirected simple graph whose
/// vertices are the workers 0..n−1 (theory.md §2: D-PSGD mixes along its edges, AD-PSGD picks
/// its averaging partner among a worker's neighbours).

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace dsgdlab {

/// An undirected simple graph (no self-loops, no parallel edges) on vertices 0..n−1, stored
/// in compressed sparse row form: the neighbours of v are neighbors_[offsets_[v] ..
/// offsets_[v+1]), sorted increasingly. Memory is (n + 1) offsets plus 2m neighbour ids, so a
/// ring of 10⁵ workers takes about 1.6 MB. Immutable after construction and therefore safe to
/// read from many threads.
class Graph {
 public:
  /// The empty graph (no vertices).
  Graph() = default;

  /// The graph on vertices 0..n−1 with the given edges; {u, v} and {v, u} are the same edge.
  /// Throws InputError naming the edge (its position in `edges` and its endpoints) when n is
  /// negative, an endpoint is outside [0, n), an edge is a self-loop {v, v}, or an edge
  /// appears twice. Cost O(n + m log m).
  static Graph from_edges(int n, std::span<const std::pair<int, int>> edges);

  int num_vertices() const { return static_cast<int>(offsets_.size() - 1); }
  /// Number of undirected edges m.
  std::size_t num_edges() const { return neighbors_.size() / 2; }

  /// The neighbours of v in increasing order. Precondition: 0 ≤ v < num_vertices().
  std::span<const int> neighbors(int v) const {
    const auto i = static_cast<std::size_t>(v);
    return std::span<const int>(neighbors_).subspan(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  /// deg(v), the number of neighbours. Precondition: 0 ≤ v < num_vertices().
  int degree(int v) const {
    const auto i = static_cast<std::size_t>(v);
    return static_cast<int>(offsets_[i + 1] - offsets_[i]);
  }
  /// Whether {u, v} is an edge (binary search in the shorter neighbour list); false when u or
  /// v is out of range or u = v.
  bool has_edge(int u, int v) const;

  /// All edges as pairs (u, v) with u < v, sorted lexicographically.
  std::vector<std::pair<int, int>> edges() const;

  /// Smallest and largest degree (0 for the empty graph).
  int min_degree() const;
  int max_degree() const;
  /// Whether every vertex has the same degree (true for the empty graph).
  bool is_regular() const { return min_degree() == max_degree(); }

  /// Same vertex count and same edge set.
  friend bool operator==(const Graph&, const Graph&) = default;

 private:
  Graph(std::vector<std::size_t> offsets, std::vector<int> neighbors)
      : offsets_(std::move(offsets)), neighbors_(std::move(neighbors)) {}

  std::vector<std::size_t> offsets_{0};  ///< n + 1 entries, offsets_[0] = 0
  std::vector<int> neighbors_;           ///< 2m entries
};

}  // namespace dsgdlab
