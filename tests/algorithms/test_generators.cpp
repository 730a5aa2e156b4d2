#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

template <typename Build>
std::string input_error_message(Build build) {
  try {
    build();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Checks that every vertex has degree `degree`.
void expect_all_degrees(const Graph& graph, int degree) {
  for (int v = 0; v < graph.num_vertices(); ++v) {
    EXPECT_EQ(graph.degree(v), degree) << "vertex " << v;
  }
}

RandomStream topology_stream(std::uint64_t seed) {
  return RandomStream(StreamKey{.seed = seed, .purpose = StreamPurpose::kTopology});
}

TEST(Ring, CountsDegreesAndConnectivity) {
  for (int n : {3, 4, 10, 101}) {
    const Graph graph = ring(n);
    EXPECT_EQ(graph.num_vertices(), n);
    EXPECT_EQ(graph.num_edges(), static_cast<std::size_t>(n));
    expect_all_degrees(graph, 2);
    for (int i = 0; i < n; ++i) EXPECT_TRUE(graph.has_edge(i, (i + 1) % n));
    EXPECT_TRUE(is_connected(graph));
  }
}

TEST(Ring, SmallCases) {
  const Graph single = ring(1);
  EXPECT_EQ(single.num_vertices(), 1);
  EXPECT_EQ(single.num_edges(), 0u);
  EXPECT_TRUE(is_connected(single));
  const Graph pair = ring(2);
  EXPECT_EQ(pair.num_edges(), 1u);
  EXPECT_TRUE(pair.has_edge(0, 1));
  EXPECT_EQ(input_error_message([] { ring(0); }), "ring: n (0) must be at least 1");
}

TEST(Torus, CountsDegreesAndNeighbours) {
  for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{3, 3}, {4, 5}, {3, 7}}) {
    const Graph graph = torus(rows, cols);
    EXPECT_EQ(graph.num_vertices(), rows * cols);
    EXPECT_EQ(graph.num_edges(), static_cast<std::size_t>(2 * rows * cols));
    expect_all_degrees(graph, 4);
    EXPECT_TRUE(is_connected(graph));
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const int v = r * cols + c;
        EXPECT_TRUE(graph.has_edge(v, r * cols + (c + 1) % cols));
        EXPECT_TRUE(graph.has_edge(v, ((r + 1) % rows) * cols + c));
      }
    }
  }
}

TEST(Torus, SidesBelowThreeAreRejected) {
  EXPECT_EQ(input_error_message([] { torus(2, 5); }),
            "torus: rows (2) must be at least 3 so that the torus is simple and 4-regular");
  EXPECT_EQ(input_error_message([] { torus(4, 1); }),
            "torus: cols (1) must be at least 3 so that the torus is simple and 4-regular");
}

TEST(Hypercube, CountsDegreesAndOneBitNeighbours) {
  for (int k = 0; k <= 7; ++k) {
    const Graph graph = hypercube(k);
    const int n = 1 << k;
    EXPECT_EQ(graph.num_vertices(), n);
    EXPECT_EQ(graph.num_edges(), static_cast<std::size_t>(k * n / 2));
    expect_all_degrees(graph, k);
    EXPECT_TRUE(is_connected(graph));
    for (const auto& [u, v] : graph.edges()) {
      EXPECT_EQ(std::popcount(static_cast<unsigned>(u ^ v)), 1) << u << " ~ " << v;
    }
  }
  EXPECT_EQ(input_error_message([] { hypercube(-1); }),
            "hypercube: dimension (-1) must be in [0, 30]");
  EXPECT_EQ(input_error_message([] { hypercube(31); }),
            "hypercube: dimension (31) must be in [0, 30]");
}

/// The exact degree of the exponential graph: the number of distinct nonzero offsets
/// ±2^k mod n over 2^k < n.
int expected_exponential_degree(int n) {
  std::set<int> offsets;
  for (int hop = 1; hop < n; hop *= 2) {
    offsets.insert(hop % n);
    offsets.insert((n - hop) % n);
  }
  offsets.erase(0);
  return static_cast<int>(offsets.size());
}

TEST(Exponential, DegreesMatchTheOffsetCount) {
  for (int n : {1, 2, 3, 5, 6, 8, 12, 16, 100, 1024}) {
    const Graph graph = exponential(n);
    const int degree = expected_exponential_degree(n);
    EXPECT_EQ(graph.num_vertices(), n);
    expect_all_degrees(graph, degree);
    EXPECT_EQ(graph.num_edges(), static_cast<std::size_t>(n * degree / 2)) << "n = " << n;
    EXPECT_TRUE(is_connected(graph));
    for (int hop = 1; hop < n; hop *= 2) {
      for (int i = 0; i < n; ++i) EXPECT_TRUE(graph.has_edge(i, (i + hop) % n));
    }
  }
  // Hand-checked values: a power of two n = 2^m has degree 2m − 1 (+n/2 ≡ −n/2); n = 6 has
  // offsets {1, 2, 4, 5} (4 ≡ −2); n = 12 has offsets ±1, ±2, ±4, ±8 = {1, 2, 4, 8, 11, 10, 8,
  // 4} → {1, 2, 4, 8, 10, 11}.
  EXPECT_EQ(expected_exponential_degree(16), 7);
  EXPECT_EQ(expected_exponential_degree(6), 4);
  EXPECT_EQ(expected_exponential_degree(12), 6);
  EXPECT_EQ(exponential(16).degree(0), 7);
  EXPECT_EQ(exponential(6).degree(0), 4);
  EXPECT_EQ(exponential(12).degree(0), 6);
  EXPECT_EQ(input_error_message([] { exponential(0); }), "exponential: n (0) must be at least 1");
}

TEST(Complete, CountsAndDegrees) {
  for (int n : {1, 2, 7, 40}) {
    const Graph graph = complete(n);
    EXPECT_EQ(graph.num_edges(), static_cast<std::size_t>(n * (n - 1) / 2));
    expect_all_degrees(graph, n - 1);
    EXPECT_TRUE(is_connected(graph));
  }
  EXPECT_EQ(input_error_message([] { complete(0); }), "complete: n (0) must be at least 1");
  EXPECT_EQ(input_error_message([] { complete(kMaxCompleteWorkers + 1); }),
            "complete: n (8193) must be at most 8192 (the complete graph has n(n-1)/2 edges)");
}

TEST(Star, CentreZeroAndLeaves) {
  for (int n : {1, 2, 6}) {
    const Graph graph = star(n);
    EXPECT_EQ(graph.num_edges(), static_cast<std::size_t>(n - 1));
    EXPECT_EQ(graph.degree(0), n - 1);
    for (int v = 1; v < n; ++v) {
      EXPECT_EQ(graph.degree(v), 1);
      EXPECT_TRUE(graph.has_edge(0, v));
    }
    EXPECT_TRUE(is_connected(graph));
  }
  EXPECT_EQ(input_error_message([] { star(0); }), "star: n (0) must be at least 1");
}

TEST(ErdosRenyi, ReproducibleForASeedAndDifferentAcrossSeeds) {
  RandomStream a = topology_stream(5);
  RandomStream b = topology_stream(5);
  RandomStream c = topology_stream(6);
  const Graph first = erdos_renyi(40, 0.2, a, 100);
  EXPECT_EQ(first, erdos_renyi(40, 0.2, b, 100));
  // Two independent G(40, 0.2) draws coincide with probability ≤ max(p, 1−p)^780 ≈ 1e-76.
  EXPECT_NE(first, erdos_renyi(40, 0.2, c, 100));
  EXPECT_TRUE(is_connected(first));
}

TEST(ErdosRenyi, IsConnectedWithBinomialEdgeCount) {
  // n = 60, p = 0.3: the edge count is Binomial(1770, 0.3) (connectivity, which fails with
  // probability < 60·0.7^59 ≈ 4e-8, barely conditions it): mean 531, sd 19.3. The band
  // ±6 sd = [415, 647] fails with probability ≈ 2e-9.
  RandomStream rng = topology_stream(11);
  const Graph graph = erdos_renyi(60, 0.3, rng, 10);
  EXPECT_TRUE(is_connected(graph));
  EXPECT_GE(graph.num_edges(), 415u);
  EXPECT_LE(graph.num_edges(), 647u);
  RandomStream full = topology_stream(12);
  EXPECT_EQ(erdos_renyi(9, 1.0, full, 1), complete(9));
  RandomStream single = topology_stream(13);
  EXPECT_EQ(erdos_renyi(1, 0.5, single, 1).num_vertices(), 1);
}

TEST(ErdosRenyi, GivesUpAfterMaxAttemptsNamingTheParameters) {
  // G(50, 0.001) has about 1.2 edges; a connected graph needs 49.
  RandomStream rng = topology_stream(1);
  const std::string message = input_error_message([&] { erdos_renyi(50, 0.001, rng, 3); });
  EXPECT_TRUE(contains(message,
                       "erdos_renyi: no connected graph in 3 attempts with n = 50 and "
                       "edge_probability = 0.001"))
      << message;
  EXPECT_TRUE(contains(message, "ln(n)/n")) << message;
}

TEST(ErdosRenyi, ArgumentErrors) {
  RandomStream rng = topology_stream(1);
  EXPECT_EQ(input_error_message([&] { erdos_renyi(10, 0.0, rng, 5); }),
            "erdos_renyi: edge_probability (0) must be in (0, 1]");
  EXPECT_EQ(input_error_message([&] { erdos_renyi(10, 1.5, rng, 5); }),
            "erdos_renyi: edge_probability (1.5) must be in (0, 1]");
  EXPECT_EQ(input_error_message([&] { erdos_renyi(0, 0.5, rng, 5); }),
            "erdos_renyi: n (0) must be at least 1");
  EXPECT_EQ(input_error_message([&] { erdos_renyi(10, 0.5, rng, 0); }),
            "erdos_renyi: max_attempts (0) must be at least 1");
}

TEST(RandomRegular, DegreesAllEqualAndConnected) {
  // Includes degree 2 (a single random cycle), dense degrees drawn through the complement
  // (12, 7), (9, 6) and (8, 7) = K_8, and the trivial cases n = 1 and n = 2.
  const std::vector<std::pair<int, int>> cases{{10, 3}, {50, 4}, {20, 2}, {100, 3}, {12, 7},
                                               {9, 6},  {8, 7},  {2, 1},  {1, 0},   {30, 5}};
  std::uint64_t seed = 100;
  for (const auto& [n, degree] : cases) {
    RandomStream rng = topology_stream(seed++);
    const Graph graph = random_regular(n, degree, rng, 1000);
    EXPECT_EQ(graph.num_vertices(), n);
    EXPECT_EQ(graph.num_edges(), static_cast<std::size_t>(n * degree / 2));
    expect_all_degrees(graph, degree);
    EXPECT_TRUE(is_connected(graph)) << "n = " << n << ", degree = " << degree;
  }
}

TEST(RandomRegular, SmallDegreeIsUniformOverLabelledGraphs) {
  // There are 70 labelled cubic graphs on 6 vertices (10 labellings of K_{3,3}, 60 of the
  // prism), all connected. 14000 draws give 200 expected per graph; under uniformity the
  // Pearson statistic is χ² with 69 degrees of freedom, and by the Wilson–Hilferty
  // approximation P(χ²₆₉ > 140) ≈ 1e-6.
  constexpr int kDraws = 14000;
  RandomStream rng = topology_stream(2718);
  std::map<std::vector<std::pair<int, int>>, int> counts;
  for (int k = 0; k < kDraws; ++k) ++counts[random_regular(6, 3, rng, 1000).edges()];
  ASSERT_EQ(counts.size(), 70u);
  const double expected = kDraws / 70.0;
  double chi2 = 0.0;
  for (const auto& [edges, count] : counts) {
    chi2 += (count - expected) * (count - expected) / expected;
  }
  EXPECT_LT(chi2, 140.0);
}

TEST(RandomRegular, ReproducibleForASeedAndDifferentAcrossSeeds) {
  RandomStream a = topology_stream(7);
  RandomStream b = topology_stream(7);
  RandomStream c = topology_stream(8);
  const Graph first = random_regular(50, 4, a, 100);
  EXPECT_EQ(first, random_regular(50, 4, b, 100));
  // There are more than 10⁵⁰ 4-regular graphs on 50 labelled vertices; a coincidence of two
  // independent draws is out of the question.
  EXPECT_NE(first, random_regular(50, 4, c, 100));
}

TEST(RandomRegular, ArgumentErrors) {
  RandomStream rng = topology_stream(1);
  EXPECT_EQ(input_error_message([&] { random_regular(5, 3, rng, 10); }),
            "random_regular: degree (3) times n (5) must be even (each edge has two ends)");
  EXPECT_EQ(input_error_message([&] { random_regular(5, 5, rng, 10); }),
            "random_regular: degree (5) must be in [0, n) = [0, 5)");
  EXPECT_EQ(input_error_message([&] { random_regular(6, 1, rng, 10); }),
            "random_regular: degree (1) gives a disconnected graph when n is 6; use a degree of "
            "at least 2");
  EXPECT_EQ(input_error_message([&] { random_regular(0, 0, rng, 10); }),
            "random_regular: n (0) must be at least 1");
  EXPECT_EQ(input_error_message([&] { random_regular(6, 2, rng, 0); }),
            "random_regular: max_attempts (0) must be at least 1");
}

TEST(RandomRegular, GivesUpAfterMaxAttempts) {
  // A random 2-regular graph is a union of cycles; it is one cycle (connected) with
  // probability about √(π/(4n)) ≈ 0.03 for n = 1000. With this fixed seed the single allowed
  // attempt gives several cycles (deterministic: the seed fixes the stream).
  RandomStream rng = topology_stream(3);
  EXPECT_EQ(input_error_message([&] { random_regular(1000, 2, rng, 1); }),
            "random_regular: no connected simple graph with n = 1000 and degree = 2 in 1 "
            "attempts; raise max_attempts");
}

TEST(TorusShape, MostSquareFactorisationAndExplicitRows) {
  EXPECT_EQ(torus_shape(9), std::make_pair(3, 3));
  EXPECT_EQ(torus_shape(12), std::make_pair(3, 4));
  EXPECT_EQ(torus_shape(16), std::make_pair(4, 4));
  EXPECT_EQ(torus_shape(18), std::make_pair(3, 6));
  EXPECT_EQ(torus_shape(36), std::make_pair(6, 6));
  EXPECT_EQ(torus_shape(12, 4), std::make_pair(4, 3));
  EXPECT_EQ(input_error_message([] { torus_shape(10); }),
            "topology.num_workers (10) has no factorisation rows x cols with both sides at least "
            "3 (most square: 2 x 5), which a simple 4-regular torus needs");
  EXPECT_EQ(input_error_message([] { torus_shape(13); }),
            "topology.num_workers (13) has no factorisation rows x cols with both sides at least "
            "3 (most square: 1 x 13), which a simple 4-regular torus needs");
  EXPECT_EQ(input_error_message([] { torus_shape(12, 5); }),
            "topology.torus_rows (5) must divide topology.num_workers (12)");
  EXPECT_EQ(input_error_message([] { torus_shape(12, 2); }),
            "topology.torus_rows (2) gives a 2 x 6 torus; both sides must be at least 3 for a "
            "simple 4-regular torus");
}

TEST(MakeGraph, EveryCatalogKindBuildsAConnectedGraph) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("dsgdlab_test_generators_" + std::to_string(::getpid()) + ".edges");
  {
    std::ofstream out(file);
    out << "0 1\n1 2\n2 3\n3 0\n0 2\n";
  }
  for (const auto& info : topology_catalog()) {
    TopologyOptions options{.kind = std::string(info.name),
                            .num_workers = 16,
                            .edge_list_file = file.string(),
                            .seed = 3};
    if (info.name == "edge_list") options.num_workers = 0;
    const Graph graph = make_graph(options);
    EXPECT_EQ(graph.num_vertices(), info.name == "edge_list" ? 4 : 16) << info.name;
    EXPECT_TRUE(is_connected(graph)) << info.name;
    EXPECT_FALSE(info.description.empty());
  }
  std::filesystem::remove(file);
}

TEST(MakeGraph, MatchesTheGenerators) {
  EXPECT_EQ(make_graph({.kind = "ring", .num_workers = 9}), ring(9));
  EXPECT_EQ(make_graph({.kind = "torus", .num_workers = 12}), torus(3, 4));
  EXPECT_EQ(make_graph({.kind = "torus", .num_workers = 12, .torus_rows = 4}), torus(4, 3));
  EXPECT_EQ(make_graph({.kind = "hypercube", .num_workers = 32}), hypercube(5));
  EXPECT_EQ(make_graph({.kind = "hypercube", .num_workers = 1}), hypercube(0));
  EXPECT_EQ(make_graph({.kind = "exponential", .num_workers = 12}), exponential(12));
  EXPECT_EQ(make_graph({.kind = "complete", .num_workers = 5}), complete(5));
  EXPECT_EQ(make_graph({.kind = "star", .num_workers = 5}), star(5));
  // Random kinds draw from RandomStream(StreamKey{.seed, .purpose = kTopology}).
  RandomStream er_stream = topology_stream(42);
  EXPECT_EQ(
      make_graph({.kind = "erdos_renyi", .num_workers = 20, .edge_probability = 0.4, .seed = 42}),
      erdos_renyi(20, 0.4, er_stream, 1000));
  RandomStream rr_stream = topology_stream(42);
  EXPECT_EQ(make_graph({.kind = "random_regular", .num_workers = 20, .degree = 4, .seed = 42}),
            random_regular(20, 4, rr_stream, 1000));
  EXPECT_NE(make_graph({.kind = "random_regular", .num_workers = 20, .degree = 4, .seed = 42}),
            make_graph({.kind = "random_regular", .num_workers = 20, .degree = 4, .seed = 43}));
}

TEST(MakeGraph, OptionErrorsNameFieldValueAndRule) {
  const auto message = [](const TopologyOptions& options) {
    return input_error_message([&] { make_graph(options); });
  };
  EXPECT_EQ(message({.kind = "rnig", .num_workers = 4}),
            "topology.kind (\"rnig\") is not a known topology (ring, torus, hypercube, "
            "exponential, bipartite_exponential, complete, star, erdos_renyi, random_regular, "
            "edge_list)");
  EXPECT_EQ(message({.kind = "hypercube", .num_workers = 12}),
            "topology.num_workers (12) must be a power of two for a hypercube");
  EXPECT_EQ(message({.kind = "ring", .num_workers = 0}),
            "topology.num_workers (0) must be at least 1");
  EXPECT_EQ(message({.kind = "torus", .num_workers = 12, .torus_rows = -1}),
            "topology.torus_rows (-1) must be nonnegative (0: most square factorisation)");
  EXPECT_EQ(message({.kind = "complete", .num_workers = 10000}),
            "topology.num_workers (10000) must be at most 8192 for a complete graph");
  EXPECT_EQ(message({.kind = "erdos_renyi", .num_workers = 10, .edge_probability = 0.0}),
            "topology.edge_probability (0) must be in (0, 1]");
  EXPECT_EQ(message({.kind = "erdos_renyi", .num_workers = 10, .max_attempts = 0}),
            "topology.max_attempts (0) must be at least 1");
  EXPECT_EQ(message({.kind = "random_regular", .num_workers = 5, .degree = 3}),
            "topology.degree (3) times topology.num_workers (5) must be even (each edge has two "
            "ends)");
  EXPECT_EQ(message({.kind = "random_regular", .num_workers = 4, .degree = 4}),
            "topology.degree (4) must be in [0, topology.num_workers) = [0, 4)");
  EXPECT_EQ(message({.kind = "edge_list", .num_workers = 4}),
            "topology.edge_list_file (\"\") must name a file when topology.kind is \"edge_list\"");
  EXPECT_EQ(message({.kind = "edge_list", .num_workers = -2, .edge_list_file = "x"}),
            "topology.num_workers (-2) must be nonnegative for an edge list (0: infer from the "
            "file)");
  // Fields a kind does not use are not checked.
  EXPECT_NO_THROW(make_graph({.kind = "ring", .num_workers = 4, .edge_probability = -1.0}));
}

TEST(MakeGraph, DisconnectedEdgeListNamesFileAndComponents) {
  const auto file = std::filesystem::temp_directory_path() /
                    ("dsgdlab_test_generators_split_" + std::to_string(::getpid()) + ".edges");
  {
    std::ofstream out(file);
    out << "0 1\n1 2\n3 4\n";
  }
  EXPECT_EQ(input_error_message([&] {
              make_graph({.kind = "edge_list", .num_workers = 0, .edge_list_file = file.string()});
            }),
            file.string() + ": graph is disconnected: 2 components: {0, 1, 2}, {3, 4}");
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace dsgdlab

namespace dsgdlab {
namespace {

TEST(BipartiteExponential, IsRegularConnectedAndBipartiteByParity) {
  for (int n : {2, 4, 6, 16, 64, 100}) {
    const Graph graph = bipartite_exponential(n);
    // Expected neighbours of 0: ±h mod n for h = 1, 3, 7, ... < n, computed independently.
    std::set<int> expected;
    for (int h = 1; h < n; h = 2 * h + 1) {
      expected.insert(h % n);
      expected.insert((n - h) % n);
    }
    expected.erase(0);
    EXPECT_TRUE(graph.is_regular()) << n;
    EXPECT_EQ(graph.degree(0), static_cast<int>(expected.size())) << n;
    const auto neighbors = graph.neighbors(0);
    EXPECT_EQ(std::set<int>(neighbors.begin(), neighbors.end()), expected) << n;
    EXPECT_TRUE(is_connected(graph)) << n;
    const auto sides = bipartition(graph);
    ASSERT_TRUE(sides.has_value()) << n;
    for (const auto& [u, v] : graph.edges()) {
      EXPECT_NE(u % 2, v % 2) << n;
      EXPECT_NE((*sides)[static_cast<std::size_t>(u)], (*sides)[static_cast<std::size_t>(v)]);
    }
  }
  EXPECT_EQ(bipartite_exponential(64).degree(0), 10);  // hops 1, 3, 7, 15, 31 in both directions
}

TEST(BipartiteExponential, RejectsOddOrTooFewWorkers) {
  EXPECT_THROW(bipartite_exponential(7), InputError);
  EXPECT_THROW(bipartite_exponential(1), InputError);
  TopologyOptions options{.kind = "bipartite_exponential", .num_workers = 9};
  try {
    make_graph(options);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(),
                 "topology.num_workers (9) must be even and at least 2 for a bipartite "
                 "exponential graph");
  }
  options.num_workers = 8;
  EXPECT_EQ(make_graph(options), bipartite_exponential(8));
}

}  // namespace
}  // namespace dsgdlab
