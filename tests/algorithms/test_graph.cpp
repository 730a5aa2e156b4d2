#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "dsgdlab/algorithms/topology/graph.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

using Edges = std::vector<std::pair<int, int>>;

/// The message of the InputError that `build` throws (a test failure if it throws none).
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

std::vector<int> to_vector(std::span<const int> values) { return {values.begin(), values.end()}; }

TEST(Graph, FromEdgesBuildsSortedAdjacency) {
  const Edges edges{{3, 1}, {0, 1}, {4, 0}, {2, 3}, {1, 4}};
  const Graph graph = Graph::from_edges(5, edges);
  EXPECT_EQ(graph.num_vertices(), 5);
  EXPECT_EQ(graph.num_edges(), 5u);
  EXPECT_EQ(to_vector(graph.neighbors(0)), (std::vector<int>{1, 4}));
  EXPECT_EQ(to_vector(graph.neighbors(1)), (std::vector<int>{0, 3, 4}));
  EXPECT_EQ(to_vector(graph.neighbors(2)), (std::vector<int>{3}));
  EXPECT_EQ(to_vector(graph.neighbors(3)), (std::vector<int>{1, 2}));
  EXPECT_EQ(to_vector(graph.neighbors(4)), (std::vector<int>{0, 1}));
  EXPECT_EQ(graph.degree(1), 3);
  EXPECT_EQ(graph.degree(2), 1);
  EXPECT_EQ(graph.min_degree(), 1);
  EXPECT_EQ(graph.max_degree(), 3);
  EXPECT_FALSE(graph.is_regular());
  EXPECT_EQ(graph.edges(), (Edges{{0, 1}, {0, 4}, {1, 3}, {1, 4}, {2, 3}}));
}

TEST(Graph, HasEdgeIsSymmetricAndFalseOutsideTheEdgeSet) {
  const Graph graph = Graph::from_edges(4, Edges{{0, 1}, {1, 2}, {2, 3}});
  for (int u = 0; u < 4; ++u) {
    for (int v = 0; v < 4; ++v) {
      const bool expected = u != v && std::abs(u - v) == 1;
      EXPECT_EQ(graph.has_edge(u, v), expected) << "{" << u << ", " << v << "}";
    }
  }
  EXPECT_FALSE(graph.has_edge(-1, 0));
  EXPECT_FALSE(graph.has_edge(3, 4));
}

TEST(Graph, EmptyAndEdgelessGraphs) {
  const Graph empty;
  EXPECT_EQ(empty.num_vertices(), 0);
  EXPECT_EQ(empty.num_edges(), 0u);
  EXPECT_TRUE(empty.is_regular());
  EXPECT_TRUE(empty.edges().empty());
  EXPECT_EQ(Graph::from_edges(0, Edges{}), empty);

  const Graph isolated = Graph::from_edges(3, Edges{});
  EXPECT_EQ(isolated.num_vertices(), 3);
  EXPECT_EQ(isolated.num_edges(), 0u);
  for (int v = 0; v < 3; ++v) EXPECT_EQ(isolated.degree(v), 0);
  EXPECT_TRUE(isolated.is_regular());
}

TEST(Graph, RegularityOfACycle) {
  const Graph cycle = Graph::from_edges(4, Edges{{0, 1}, {1, 2}, {2, 3}, {3, 0}});
  EXPECT_TRUE(cycle.is_regular());
  EXPECT_EQ(cycle.min_degree(), 2);
  EXPECT_EQ(cycle.max_degree(), 2);
}

TEST(Graph, EdgeOrderAndOrientationDoNotMatter) {
  // K_30 from its edges in a shuffled order with random orientations equals K_30 from the
  // sorted list, and every neighbour list comes out sorted.
  constexpr int kN = 30;
  Edges sorted_edges;
  for (int u = 0; u < kN; ++u) {
    for (int v = u + 1; v < kN; ++v) sorted_edges.emplace_back(u, v);
  }
  Edges shuffled = sorted_edges;
  RandomStream rng(2024);
  rng.shuffle(std::span<std::pair<int, int>>(shuffled));
  for (auto& edge : shuffled) {
    if (rng.uniform() < 0.5) std::swap(edge.first, edge.second);
  }
  const Graph a = Graph::from_edges(kN, sorted_edges);
  const Graph b = Graph::from_edges(kN, shuffled);
  EXPECT_EQ(a, b);
  EXPECT_EQ(b.edges(), sorted_edges);
  for (int v = 0; v < kN; ++v) {
    const auto list = b.neighbors(v);
    EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
    EXPECT_EQ(b.degree(v), kN - 1);
  }
  EXPECT_NE(a, Graph::from_edges(kN, Edges(sorted_edges.begin(), sorted_edges.end() - 1)));
}

TEST(Graph, OutOfRangeVertexIsNamed) {
  EXPECT_EQ(input_error_message([] {
              Graph::from_edges(5, Edges{{0, 1}, {2, 7}});
            }),
            "graph: edges[1] = {2, 7} has vertex 7 outside [0, 5)");
  EXPECT_EQ(input_error_message([] {
              Graph::from_edges(5, Edges{{-1, 3}});
            }),
            "graph: edges[0] = {-1, 3} has vertex -1 outside [0, 5)");
}

TEST(Graph, SelfLoopIsNamed) {
  EXPECT_EQ(input_error_message([] {
              Graph::from_edges(5, Edges{{0, 1}, {4, 4}});
            }),
            "graph: edges[1] = {4, 4} is a self-loop");
}

TEST(Graph, DuplicateEdgeNamesBothOccurrences) {
  EXPECT_EQ(input_error_message([] {
              Graph::from_edges(4, Edges{{1, 2}, {0, 3}, {2, 1}});
            }),
            "graph: edges[2] = {2, 1} duplicates edges[0] = {1, 2}");
  EXPECT_EQ(input_error_message([] {
              Graph::from_edges(4, Edges{{0, 3}, {0, 3}});
            }),
            "graph: edges[1] = {0, 3} duplicates edges[0] = {0, 3}");
}

TEST(Graph, NegativeVertexCountIsRejected) {
  EXPECT_EQ(input_error_message([] { Graph::from_edges(-1, Edges{}); }),
            "graph vertex count (-1) must be nonnegative");
}

}  // namespace
}  // namespace dsgdlab
