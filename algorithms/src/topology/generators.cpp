#include "dsgdlab/algorithms/topology/generators.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include "dsgdlab/algorithms/topology/edge_list.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

using EdgeList = std::vector<std::pair<int, int>>;

constexpr int kMaxHypercubeDimension = 30;
/// random_regular draws degrees up to this with the exact pairing model, whose simple-graph
/// acceptance probability tends to exp(−(d² − 1)/4): 0.14 for d = 3, 0.024 for d = 4, but
/// 0.0025 for d = 5, too low for the default max_attempts of 1000.
constexpr int kMaxExactRegularDegree = 4;
/// Switch-chain proposals per edge after a partial-rejection pairing (see random_regular).
constexpr std::size_t kSwitchesPerEdge = 20;

constexpr std::array<CatalogEntry, 10> kTopologies{{
    {"ring", "cycle 0-1-...-(n-1)-0; degree 2"},
    {"torus", "2-D wrap-around grid rows x cols (both >= 3); degree 4"},
    {"hypercube", "n = 2^k workers, i ~ j when their ids differ in one bit; degree k"},
    {"exponential", "i ~ i + 2^k mod n for every 2^k < n (log-hop graph of AD-PSGD)"},
    {"bipartite_exponential",
     "n even, i ~ i +- (2^k - 1) mod n for 2^k - 1 < n: odd log-hops, bipartite by parity "
     "(for AD-PSGD pairing = bipartite)"},
    {"complete", "every pair of workers is connected; degree n-1"},
    {"star", "worker 0 is connected to every other worker"},
    {"erdos_renyi",
     "each pair connected with probability edge_probability; redrawn until connected"},
    {"random_regular", "random connected simple graph in which every worker has the same degree"},
    {"edge_list", "edges \"u v\" read from edge_list_file"},
}};

std::string known_kinds() {
  std::string text;
  for (const auto& info : kTopologies) {
    if (!text.empty()) text += ", ";
    text += info.name;
  }
  return text;
}

std::uint64_t edge_key(int u, int v) {
  return (static_cast<std::uint64_t>(std::min(u, v)) << 32) |
         static_cast<std::uint64_t>(std::max(u, v));
}

void require_at_least(std::string_view field, int value, int minimum) {
  if (value < minimum) {
    throw invalid_option(field, value, "must be at least " + std::to_string(minimum));
  }
}

void require_max_attempts(std::string_view field, int max_attempts) {
  require_at_least(field, max_attempts, 1);
}

/// The rules a connected simple d-regular graph on n vertices needs. Messages are `prefix` +
/// "FIELD (VALUE) RULE".
void check_regular_arguments(std::string_view prefix, std::string_view n_field,
                             std::string_view degree_field, int n, int degree) {
  const auto fail = [&](const InputError& error) {
    return InputError(std::string(prefix) + error.what());
  };
  if (n < 1) throw fail(invalid_option(n_field, n, "must be at least 1"));
  if (degree < 0 || degree >= n) {
    throw fail(invalid_option(
        degree_field, degree,
        "must be in [0, " + std::string(n_field) + ") = [0, " + std::to_string(n) + ")"));
  }
  if ((static_cast<std::int64_t>(n) * degree) % 2 != 0) {
    throw fail(invalid_option(degree_field, degree,
                              "times " + std::string(n_field) + " (" + std::to_string(n) +
                                  ") must be even (each edge has two ends)"));
  }
  if ((degree == 0 && n > 1) || (degree == 1 && n > 2)) {
    throw fail(invalid_option(degree_field, degree,
                              "gives a disconnected graph when " + std::string(n_field) + " is " +
                                  std::to_string(n) + "; use a degree of at least 2"));
  }
}

bool is_power_of_two(int n) { return n > 0 && (n & (n - 1)) == 0; }

int log2_exact(int n) {
  int k = 0;
  while ((1 << k) < n) ++k;
  return k;
}

/// A simple graph with the edges found so far, for the random regular generators.
struct EdgeSet {
  EdgeList edges;
  std::unordered_set<std::uint64_t> keys;

  bool allows(int a, int b) const { return a != b && !keys.contains(edge_key(a, b)); }
  void add(int a, int b) {
    keys.insert(edge_key(a, b));
    edges.emplace_back(a, b);
  }
};

std::vector<int> make_stubs(int n, int degree) {
  std::vector<int> stubs;
  stubs.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(degree));
  for (int v = 0; v < n; ++v) stubs.insert(stubs.end(), static_cast<std::size_t>(degree), v);
  return stubs;
}

/// The configuration (pairing) model: a uniformly random perfect matching of the stubs (a
/// uniform shuffle paired consecutively), or nullopt when it has a self-loop or a repeated
/// edge. Every simple d-regular graph arises from exactly (d!)^n matchings, so a simple result
/// is uniform over simple d-regular graphs (Bollobás 1980).
std::optional<EdgeList> pairing_model(int n, int degree, RandomStream& rng) {
  std::vector<int> stubs = make_stubs(n, degree);
  rng.shuffle(std::span<int>(stubs));
  EdgeSet set;
  set.keys.reserve(stubs.size() / 2);
  for (std::size_t k = 0; k + 1 < stubs.size(); k += 2) {
    if (!set.allows(stubs[k], stubs[k + 1])) return std::nullopt;
    set.add(stubs[k], stubs[k + 1]);
  }
  return std::move(set.edges);
}

/// Pairing with partial rejection (see random_regular), or nullopt when the remaining stubs
/// admit no suitable pair.
std::optional<EdgeSet> pair_with_partial_rejection(int n, int degree, RandomStream& rng) {
  std::vector<int> stubs = make_stubs(n, degree);
  EdgeSet set;
  set.keys.reserve(stubs.size() / 2);
  set.edges.reserve(stubs.size() / 2);
  std::vector<int> leftover;
  while (!stubs.empty()) {
    rng.shuffle(std::span<int>(stubs));
    leftover.clear();
    for (std::size_t k = 0; k + 1 < stubs.size(); k += 2) {
      if (set.allows(stubs[k], stubs[k + 1])) {
        set.add(stubs[k], stubs[k + 1]);
      } else {
        leftover.push_back(stubs[k]);
        leftover.push_back(stubs[k + 1]);
      }
    }
    if (leftover.size() == stubs.size()) {
      // No progress: choose one suitable pair of stubs uniformly, or give up on this attempt.
      std::vector<std::pair<std::size_t, std::size_t>> candidates;
      for (std::size_t a = 0; a < leftover.size(); ++a) {
        for (std::size_t b = a + 1; b < leftover.size(); ++b) {
          if (set.allows(leftover[a], leftover[b])) candidates.emplace_back(a, b);
        }
      }
      if (candidates.empty()) return std::nullopt;
      const auto [a, b] = candidates[rng.uniform_index(candidates.size())];
      set.add(leftover[a], leftover[b]);
      leftover.erase(leftover.begin() + static_cast<std::ptrdiff_t>(b));
      leftover.erase(leftover.begin() + static_cast<std::ptrdiff_t>(a));
    }
    stubs.swap(leftover);
  }
  return set;
}

/// `steps` proposals of the switch (double-edge swap) chain: pick two edges {a, b}, {c, d}
/// uniformly at random and an orientation, and replace them by {a, c}, {b, d} unless that
/// makes a self-loop or a repeated edge. Each move is as likely as its reverse, so the chain
/// is symmetric and its stationary law is uniform over simple graphs with these degrees; on
/// regular graphs it is irreducible (Taylor 1981) and rapidly mixing (Cooper, Dyer and
/// Greenhill 2007).
void apply_switches(EdgeSet& set, std::size_t steps, RandomStream& rng) {
  const std::size_t m = set.edges.size();
  if (m < 2) return;
  for (std::size_t step = 0; step < steps; ++step) {
    const auto i = static_cast<std::size_t>(rng.uniform_index(m));
    const auto j = static_cast<std::size_t>(rng.uniform_index(m));
    const bool flip = rng.uniform_index(2) == 1;
    if (i == j) continue;
    const auto [a, b] = set.edges[i];
    auto [c, d] = set.edges[j];
    if (flip) std::swap(c, d);
    if (!set.allows(a, c) || !set.allows(b, d)) continue;
    set.keys.erase(edge_key(a, b));
    set.keys.erase(edge_key(c, d));
    set.keys.insert(edge_key(a, c));
    set.keys.insert(edge_key(b, d));
    set.edges[i] = {a, c};
    set.edges[j] = {b, d};
  }
}

EdgeList complement_edges(const Graph& graph) {
  EdgeList edges;
  const int n = graph.num_vertices();
  for (int u = 0; u < n; ++u) {
    const auto adjacent = graph.neighbors(u);
    auto next = std::upper_bound(adjacent.begin(), adjacent.end(), u);
    for (int v = u + 1; v < n; ++v) {
      if (next != adjacent.end() && *next == v) {
        ++next;
      } else {
        edges.emplace_back(u, v);
      }
    }
  }
  return edges;
}

}  // namespace

Graph ring(int n) {
  require_at_least("ring: n", n, 1);
  EdgeList edges;
  if (n == 2) edges.emplace_back(0, 1);
  if (n >= 3) {
    for (int i = 0; i < n; ++i) edges.emplace_back(i, (i + 1) % n);
  }
  return Graph::from_edges(n, edges);
}

Graph torus(int rows, int cols) {
  constexpr std::string_view kRule = "must be at least 3 so that the torus is simple and 4-regular";
  if (rows < 3) throw invalid_option("torus: rows", rows, kRule);
  if (cols < 3) throw invalid_option("torus: cols", cols, kRule);
  if (rows > INT_MAX / cols) {
    throw invalid_option("torus: rows", rows,
                         "times cols (" + std::to_string(cols) + ") overflows a worker id");
  }
  EdgeList edges;
  edges.reserve(2 * static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const int v = r * cols + c;
      edges.emplace_back(v, r * cols + (c + 1) % cols);
      edges.emplace_back(v, ((r + 1) % rows) * cols + c);
    }
  }
  return Graph::from_edges(rows * cols, edges);
}

Graph hypercube(int dimension) {
  if (dimension < 0 || dimension > kMaxHypercubeDimension) {
    throw invalid_option("hypercube: dimension", dimension,
                         "must be in [0, " + std::to_string(kMaxHypercubeDimension) + "]");
  }
  const int n = 1 << dimension;
  EdgeList edges;
  edges.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(dimension) / 2);
  for (int u = 0; u < n; ++u) {
    for (int bit = 0; bit < dimension; ++bit) {
      const int v = u ^ (1 << bit);
      if (u < v) edges.emplace_back(u, v);
    }
  }
  return Graph::from_edges(n, edges);
}

Graph exponential(int n) {
  require_at_least("exponential: n", n, 1);
  EdgeList edges;
  for (std::int64_t hop = 1; hop < n; hop *= 2) {
    for (int i = 0; i < n; ++i) {
      const auto j = static_cast<int>((i + hop) % n);
      edges.emplace_back(std::min(i, j), std::max(i, j));
    }
  }
  // Hops h and n − h give the same edges (e.g. n = 6: +4 ≡ −2); keep each edge once.
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return Graph::from_edges(n, edges);
}

Graph bipartite_exponential(int n) {
  require_at_least("bipartite_exponential: n", n, 2);
  if (n % 2 != 0) {
    throw invalid_option("bipartite_exponential: n", n, "must be even (the graph is bipartite)");
  }
  EdgeList edges;
  for (std::int64_t hop = 1; hop < n; hop = 2 * hop + 1) {  // 1, 3, 7, 15, ... = 2^k − 1
    for (int i = 0; i < n; ++i) {
      const auto j = static_cast<int>((i + hop) % n);
      edges.emplace_back(std::min(i, j), std::max(i, j));
    }
  }
  // Hops h and n − h give the same edges; keep each edge once.
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return Graph::from_edges(n, edges);
}

Graph complete(int n) {
  require_at_least("complete: n", n, 1);
  if (n > kMaxCompleteWorkers) {
    throw invalid_option("complete: n", n,
                         "must be at most " + std::to_string(kMaxCompleteWorkers) +
                             " (the complete graph has n(n-1)/2 edges)");
  }
  EdgeList edges;
  edges.reserve(static_cast<std::size_t>(n) * static_cast<std::size_t>(n - 1) / 2);
  for (int u = 0; u < n; ++u) {
    for (int v = u + 1; v < n; ++v) edges.emplace_back(u, v);
  }
  return Graph::from_edges(n, edges);
}

Graph star(int n) {
  require_at_least("star: n", n, 1);
  EdgeList edges;
  for (int v = 1; v < n; ++v) edges.emplace_back(0, v);
  return Graph::from_edges(n, edges);
}

Graph erdos_renyi(int n, double edge_probability, RandomStream& rng, int max_attempts) {
  require_at_least("erdos_renyi: n", n, 1);
  if (!(edge_probability > 0.0 && edge_probability <= 1.0)) {
    throw invalid_option("erdos_renyi: edge_probability", edge_probability, "must be in (0, 1]");
  }
  require_max_attempts("erdos_renyi: max_attempts", max_attempts);
  EdgeList edges;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    edges.clear();
    for (int u = 0; u < n; ++u) {
      for (int v = u + 1; v < n; ++v) {
        if (rng.uniform() < edge_probability) edges.emplace_back(u, v);
      }
    }
    Graph graph = Graph::from_edges(n, edges);
    if (is_connected(graph)) return graph;
  }
  const double threshold = n > 1 ? std::log(static_cast<double>(n)) / n : 0.0;
  throw InputError("erdos_renyi: no connected graph in " + std::to_string(max_attempts) +
                   " attempts with n = " + std::to_string(n) +
                   " and edge_probability = " + format_double(edge_probability) +
                   "; G(n, p) is connected with high probability once p > ln(n)/n = " +
                   format_double(threshold) + ", so raise edge_probability (or max_attempts)");
}

Graph random_regular(int n, int degree, RandomStream& rng, int max_attempts) {
  check_regular_arguments("random_regular: ", "n", "degree", n, degree);
  require_max_attempts("random_regular: max_attempts", max_attempts);
  const bool via_complement = 2 * degree > n - 1;
  const int drawn_degree = via_complement ? n - 1 - degree : degree;
  const bool exact = drawn_degree <= kMaxExactRegularDegree;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::optional<EdgeList> edges;
    if (exact) {
      edges = pairing_model(n, drawn_degree, rng);
    } else if (auto set = pair_with_partial_rejection(n, drawn_degree, rng)) {
      apply_switches(*set, kSwitchesPerEdge * set->edges.size(), rng);
      edges = std::move(set->edges);
    }
    if (!edges) continue;
    Graph graph = Graph::from_edges(n, *edges);
    if (via_complement) return Graph::from_edges(n, complement_edges(graph));
    if (is_connected(graph)) return graph;
  }
  throw InputError("random_regular: no connected simple graph with n = " + std::to_string(n) +
                   " and degree = " + std::to_string(degree) + " in " +
                   std::to_string(max_attempts) + " attempts; raise max_attempts");
}

std::pair<int, int> torus_shape(int num_workers, int torus_rows) {
  require_at_least("topology.num_workers", num_workers, 1);
  if (torus_rows < 0) {
    throw invalid_option("topology.torus_rows", torus_rows,
                         "must be nonnegative (0: most square factorisation)");
  }
  if (torus_rows > 0) {
    if (num_workers % torus_rows != 0) {
      throw invalid_option(
          "topology.torus_rows", torus_rows,
          "must divide topology.num_workers (" + std::to_string(num_workers) + ")");
    }
    const int cols = num_workers / torus_rows;
    if (torus_rows < 3 || cols < 3) {
      throw invalid_option("topology.torus_rows", torus_rows,
                           "gives a " + std::to_string(torus_rows) + " x " + std::to_string(cols) +
                               " torus; both sides must be at least 3 for a simple 4-regular "
                               "torus");
    }
    return {torus_rows, cols};
  }
  int rows = 1;
  for (int r = 1; static_cast<std::int64_t>(r) * r <= num_workers; ++r) {
    if (num_workers % r == 0) rows = r;
  }
  const int cols = num_workers / rows;
  if (rows < 3) {
    throw invalid_option("topology.num_workers", num_workers,
                         "has no factorisation rows x cols with both sides at least 3 (most "
                         "square: " +
                             std::to_string(rows) + " x " + std::to_string(cols) +
                             "), which a simple 4-regular torus needs");
  }
  return {rows, cols};
}

void TopologyOptions::validate() const {
  const auto known = std::find_if(kTopologies.begin(), kTopologies.end(),
                                  [&](const CatalogEntry& info) { return info.name == kind; });
  if (known == kTopologies.end()) {
    throw invalid_option("topology.kind", kind, "is not a known topology (" + known_kinds() + ")");
  }
  if (kind == "edge_list") {
    if (num_workers < 0) {
      throw invalid_option("topology.num_workers", num_workers,
                           "must be nonnegative for an edge list (0: infer from the file)");
    }
    if (edge_list_file.empty()) {
      throw invalid_option("topology.edge_list_file", edge_list_file,
                           "must name a file when topology.kind is \"edge_list\"");
    }
    return;
  }
  require_at_least("topology.num_workers", num_workers, 1);
  if (kind == "torus") {
    torus_shape(num_workers, torus_rows);
  } else if (kind == "hypercube") {
    if (!is_power_of_two(num_workers)) {
      throw invalid_option("topology.num_workers", num_workers,
                           "must be a power of two for a hypercube");
    }
  } else if (kind == "bipartite_exponential") {
    if (num_workers < 2 || num_workers % 2 != 0) {
      throw invalid_option("topology.num_workers", num_workers,
                           "must be even and at least 2 for a bipartite exponential graph");
    }
  } else if (kind == "complete") {
    if (num_workers > kMaxCompleteWorkers) {
      throw invalid_option(
          "topology.num_workers", num_workers,
          "must be at most " + std::to_string(kMaxCompleteWorkers) + " for a complete graph");
    }
  } else if (kind == "erdos_renyi") {
    if (!(edge_probability > 0.0 && edge_probability <= 1.0)) {
      throw invalid_option("topology.edge_probability", edge_probability, "must be in (0, 1]");
    }
    require_max_attempts("topology.max_attempts", max_attempts);
  } else if (kind == "random_regular") {
    check_regular_arguments("", "topology.num_workers", "topology.degree", num_workers, degree);
    require_max_attempts("topology.max_attempts", max_attempts);
  }
}

Graph make_graph(const TopologyOptions& options) {
  options.validate();
  const std::string& kind = options.kind;
  const int n = options.num_workers;
  RandomStream rng(StreamKey{.seed = options.seed, .purpose = StreamPurpose::kTopology});
  if (kind == "ring") return ring(n);
  if (kind == "torus") {
    const auto [rows, cols] = torus_shape(n, options.torus_rows);
    return torus(rows, cols);
  }
  if (kind == "hypercube") return hypercube(log2_exact(n));
  if (kind == "exponential") return exponential(n);
  if (kind == "bipartite_exponential") return bipartite_exponential(n);
  if (kind == "complete") return complete(n);
  if (kind == "star") return star(n);
  if (kind == "erdos_renyi")
    return erdos_renyi(n, options.edge_probability, rng, options.max_attempts);
  if (kind == "random_regular") return random_regular(n, options.degree, rng, options.max_attempts);
  // edge_list (validate() accepted the kind).
  Graph graph = read_edge_list(options.edge_list_file, n);
  const auto components = connected_components(graph);
  if (components.size() > 1) {
    throw InputError(options.edge_list_file +
                     ": graph is disconnected: " + describe_components(components));
  }
  return graph;
}

std::span<const CatalogEntry> topology_catalog() { return kTopologies; }

}  // namespace dsgdlab
