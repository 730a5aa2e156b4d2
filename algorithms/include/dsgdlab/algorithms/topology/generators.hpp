#pragma once

/// Generators of communication graphs, and the name-driven factory that suite files use.
/// Every generator returns a connected simple graph on workers 0..n−1; sizes that cannot
/// give one are InputErrors naming the argument and the rule.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "dsgdlab/algorithms/topology/graph.hpp"
#include "dsgdlab/core/catalog.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {

/// Largest n accepted by complete(n): K_n has n(n−1)/2 edges, 33.5 million at n = 8192.
inline constexpr int kMaxCompleteWorkers = 8192;

/// The cycle 0 − 1 − … − (n−1) − 0, degree 2, for n ≥ 3. Small cases, chosen so that every
/// n ≥ 1 works: n = 1 is a single isolated worker (no edges), n = 2 is the single edge {0, 1}
/// (the 2-cycle would need a double edge, which a simple graph cannot hold).
Graph ring(int n);

/// The 2-D torus (wrap-around grid) with rows × cols vertices, vertex (r, c) = r·cols + c,
/// adjacent to (r, c ± 1 mod cols) and (r ± 1 mod rows, c). rows, cols ≥ 3, so that the four
/// neighbours are distinct and the graph is simple and 4-regular; with a side of 2 the
/// wrap-around edge would duplicate the grid edge.
Graph torus(int rows, int cols);

/// The hypercube Q_k: n = 2^k vertices, u ~ v when u and v differ in exactly one bit;
/// k-regular and bipartite. 0 ≤ dimension ≤ 30 (dimension 0 is a single worker).
Graph hypercube(int dimension);

/// The exponential ("log-hop") graph used in the AD-PSGD paper's experiments: i ~ i + 2^k mod
/// n for every k with 2^k < n, made undirected and deduplicated. A circulant graph, hence
/// regular, with degree |{±2^k mod n : 2^k < n}| (2·log₂n − 1 when n ≥ 2 is a power of two, where
/// +n/2 and −n/2 coincide). n ≥ 1.
Graph exponential(int n);

/// A bipartite log-hop graph for AD-PSGD's bipartite pairing (dsgdlab's construction): n even,
/// i ~ i ± h mod n for the odd hops h = 2^k − 1 < n (1, 3, 7, 15, ...). Every hop is odd, so
/// every edge joins an even and an odd id: the graph is bipartite with sides by parity, and,
/// like the exponential graph, any two workers are O(log n) hops apart. Circulant, hence
/// regular. n ≥ 2 even.
Graph bipartite_exponential(int n);

/// The complete graph K_n, degree n − 1. 1 ≤ n ≤ kMaxCompleteWorkers.
Graph complete(int n);

/// The star: centre 0 adjacent to every other worker 1..n−1. n ≥ 1.
Graph star(int n);

/// Erdős–Rényi G(n, p) conditioned on being connected: each pair {i, j}, i < j, in the order
/// (0,1), (0,2), …, (0,n−1), (1,2), … is an edge when rng.uniform() < edge_probability, and
/// the whole graph is redrawn (continuing the same stream) until it is connected. Throws
/// InputError when n < 1, p ∉ (0, 1], max_attempts < 1, or no connected graph appeared in
/// max_attempts draws (naming n, p and the attempts; G(n, p) is connected with high
/// probability once p > ln(n)/n). Cost O(n²) per attempt.
Graph erdos_renyi(int n, double edge_probability, RandomStream& rng, int max_attempts);

/// A random connected simple `degree`-regular graph. Requires n ≥ 1, 0 ≤ degree < n,
/// n·degree even, and degree ≥ 2 when n > 2 (degree 1 is a perfect matching, disconnected
/// unless n = 2; degree 0 is disconnected unless n = 1).
///
/// When degree > (n − 1)/2 the generator draws the complement, a sparser
/// (n − 1 − degree)-regular graph with no connectivity requirement, and returns its complement,
/// which is connected because its degree is at least n/2. For the drawn degree d:
/// - d ≤ 4: exact. The configuration (pairing) model pairs the n·d stubs by a uniform random
///   perfect matching and throws the attempt away when the result has a self-loop or a
///   repeated edge, or (unless it is drawn for a complement) is disconnected. Every simple
///   graph comes from the same number of matchings, so the result is exactly uniform over
///   connected simple `degree`-regular graphs. Acceptance ≈ exp(−(d² − 1)/4) · P(connected):
///   about 0.14 for d = 3, 0.02 for d = 4.
/// - d ≥ 5: approximately uniform. Pairing with partial rejection (in the spirit of Steger and
///   Wormald 1999): the unpaired stubs are shuffled and paired consecutively, pairs that would
///   make a self-loop or a repeated edge go back to the pool, a round without progress pairs
///   one uniformly chosen suitable pair, and a pool without any suitable pair restarts the
///   attempt. The result is then mixed by 20·m proposals of the switch chain (replace edges
///   {a, b}, {c, d} by {a, c}, {b, d} when that stays simple), whose stationary law is
///   uniform; a disconnected result restarts the attempt.
/// Each attempt continues the same stream, so the graph is a function of the stream's seed.
/// Throws InputError naming n, degree and max_attempts when every attempt fails.
Graph random_regular(int n, int degree, RandomStream& rng, int max_attempts);

/// (rows, cols) of the torus for `num_workers` workers: rows = torus_rows when positive (it must
/// divide num_workers), otherwise the most square factorisation (the largest divisor
/// ≤ √num_workers). Throws InputError naming the topology.* field unless rows, cols ≥ 3.
std::pair<int, int> torus_shape(int num_workers, int torus_rows = 0);

/// How to build the communication graph of a run (the suite file's `topology` table).
struct TopologyOptions {
  /// One of the names in topology_catalog(): "ring", "torus", "hypercube", "exponential",
  /// "bipartite_exponential", "complete", "star", "erdos_renyi", "random_regular", "edge_list".
  std::string kind = "ring";
  /// n ≥ 1. For "edge_list", 0 means: infer n = largest id + 1 from the file.
  int num_workers = 1;
  /// Torus only: number of rows (must divide num_workers); 0 picks the most square
  /// factorisation. Both sides must be at least 3.
  int torus_rows = 0;
  /// Erdős–Rényi only: edge probability p ∈ (0, 1].
  double edge_probability = 0.3;
  /// Random regular only: the common degree; 0 ≤ degree < num_workers, num_workers·degree
  /// even, and degree ≥ 2 when num_workers > 2 (otherwise the graph is disconnected).
  int degree = 3;
  /// Edge list only: path of the edge-list file (format in edge_list.hpp).
  std::string edge_list_file = {};
  /// Seed of the topology stream, RandomStream(StreamKey{.seed = seed, .purpose =
  /// StreamPurpose::kTopology}); random kinds only.
  std::uint64_t seed = 0;
  /// Random kinds only: redraws allowed before giving up, ≥ 1.
  int max_attempts = 1000;

  /// Checks the fields that the kind uses; throws InputError naming field, value and rule,
  /// e.g. `topology.num_workers (12) must be a power of two for a hypercube`.
  void validate() const;
};

/// Builds the graph described by `options` (validated first). The result is connected: for
/// an edge list a disconnected file is an InputError naming the file and the components.
Graph make_graph(const TopologyOptions& options);

/// Every topology kind with a one-line description, in the order listed in TopologyOptions.
std::span<const CatalogEntry> topology_catalog();

}  // namespace dsgdlab
