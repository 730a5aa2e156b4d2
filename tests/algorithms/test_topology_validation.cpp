#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

using Edges = std::vector<std::pair<int, int>>;

template <typename Run>
std::string input_error_message(Run run) {
  try {
    run();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

/// A sparse matrix from a dense one, keeping only the nonzeros (NaN counts as nonzero).
SparseMatrix sparse(const Matrix& dense) {
  SparseMatrix result = dense.sparseView(1.0, 0.0);
  for (Index j = 0; j < dense.cols(); ++j) {
    for (Index i = 0; i < dense.rows(); ++i) {
      if (std::isnan(dense(i, j))) result.coeffRef(i, j) = dense(i, j);
    }
  }
  result.makeCompressed();
  return result;
}

void expect_valid_two_colouring(const Graph& graph) {
  const auto sides = bipartition(graph);
  ASSERT_TRUE(sides.has_value());
  ASSERT_EQ(sides->size(), static_cast<std::size_t>(graph.num_vertices()));
  for (int side : *sides) EXPECT_TRUE(side == 0 || side == 1);
  for (const auto& [u, v] : graph.edges()) {
    EXPECT_NE((*sides)[static_cast<std::size_t>(u)], (*sides)[static_cast<std::size_t>(v)])
        << "edge {" << u << ", " << v << "}";
  }
  EXPECT_EQ(sides->front(), 0);
  EXPECT_NO_THROW(require_bipartite(graph));
}

TEST(ConnectedComponents, SortedBySmallestVertex) {
  const Graph graph = Graph::from_edges(6, Edges{{4, 2}, {0, 2}, {3, 1}});
  EXPECT_EQ(connected_components(graph), (std::vector<std::vector<int>>{{0, 2, 4}, {1, 3}, {5}}));
  EXPECT_FALSE(is_connected(graph));
  EXPECT_TRUE(is_connected(ring(1)));
  EXPECT_FALSE(is_connected(Graph()));
  EXPECT_TRUE(connected_components(Graph()).empty());
}

TEST(RequireConnected, ListsTheComponents) {
  const Graph graph = Graph::from_edges(5, Edges{{0, 1}, {1, 2}, {3, 4}});
  EXPECT_EQ(input_error_message([&] { require_connected(graph); }),
            "graph is disconnected: 2 components: {0, 1, 2}, {3, 4}");
  EXPECT_NO_THROW(require_connected(ring(7)));
  EXPECT_EQ(input_error_message([] { require_connected(Graph()); }), "graph has no vertices");
}

TEST(RequireConnected, TruncatesLongListings) {
  // A path on 0..24 plus six isolated workers 25..30: seven components.
  Edges edges;
  for (int v = 0; v + 1 < 25; ++v) edges.emplace_back(v, v + 1);
  const Graph graph = Graph::from_edges(31, edges);
  EXPECT_EQ(input_error_message([&] { require_connected(graph); }),
            "graph is disconnected: 7 components: {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (25 "
            "vertices)}, {25}, {26}, {27}, {28}, and 2 more components");
}

TEST(Bipartition, EvenRingHypercubeAndEvenTorus) {
  expect_valid_two_colouring(ring(8));
  expect_valid_two_colouring(ring(2));
  expect_valid_two_colouring(hypercube(4));
  expect_valid_two_colouring(torus(4, 6));
  expect_valid_two_colouring(star(5));
  // Two components are coloured independently, each starting with side 0.
  const Graph two_paths = Graph::from_edges(5, Edges{{0, 3}, {1, 2}, {2, 4}});
  expect_valid_two_colouring(two_paths);
  EXPECT_EQ(*bipartition(two_paths), (std::vector<int>{0, 0, 1, 1, 0}));
}

TEST(Bipartition, OddCyclesAreDetected) {
  EXPECT_FALSE(bipartition(ring(7)).has_value());
  EXPECT_FALSE(bipartition(complete(3)).has_value());
  EXPECT_FALSE(bipartition(complete(5)).has_value());
  EXPECT_FALSE(bipartition(torus(3, 4)).has_value());
  EXPECT_FALSE(bipartition(exponential(8)).has_value());  // has the triangle 0-1-2 (hops 1, 2)
}

TEST(RequireBipartite, NamesTheEdgeAndTheOddCycle) {
  EXPECT_EQ(input_error_message([] { require_bipartite(complete(3)); }),
            "graph is not bipartite: edge {1, 2} closes the odd cycle 0 - 1 - 2 - 0; AD-PSGD "
            "pairing = bipartite needs a bipartite graph");
  EXPECT_EQ(input_error_message([] { require_bipartite(ring(5), ""); }),
            "graph is not bipartite: edge {2, 3} closes the odd cycle 0 - 1 - 2 - 3 - 4 - 0");
  // Breadth-first search from 0 on a 31-cycle meets itself at the edge {15, 16}.
  EXPECT_EQ(input_error_message([] { require_bipartite(ring(31), "pairing"); }),
            "graph is not bipartite: edge {15, 16} closes the odd cycle 0 - 1 - 2 - 3 - 4 - ... - "
            "27 - 28 - 29 - 30 - 0 (31 edges); pairing");
}

TEST(ValidateMixingMatrix, AcceptsEveryGeneratedMatrix) {
  for (const Graph& graph : {ring(6), torus(3, 4), hypercube(3), exponential(11), complete(5),
                             star(7), ring(1), ring(2)}) {
    for (const auto& info : mixing_rule_catalog()) {
      const bool uniform =
          info.rule == MixingRule::kUniform || info.rule == MixingRule::kLazyUniform;
      if (uniform && !graph.is_regular()) continue;
      EXPECT_NO_THROW(validate_mixing_matrix(mixing_matrix(graph, info.rule))) << info.name;
    }
  }
}

TEST(ValidateMixingMatrix, NotSquareOrEmpty) {
  EXPECT_EQ(input_error_message([] { validate_mixing_matrix(SparseMatrix(3, 4)); }),
            "mixing matrix is not square: 3 x 4");
  EXPECT_EQ(input_error_message([] { validate_mixing_matrix(SparseMatrix(0, 0)); }),
            "mixing matrix is empty (0 x 0)");
}

TEST(ValidateMixingMatrix, NonFiniteEntry) {
  Matrix w(2, 2);
  w << 0.5, 0.5, 0.5, std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(input_error_message([&] { validate_mixing_matrix(sparse(w)); }),
            "mixing matrix has a non-finite entry: W(1,1) = nan");
  w(1, 1) = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(input_error_message([&] { validate_mixing_matrix(sparse(w)); }),
            "mixing matrix has a non-finite entry: W(1,1) = -inf");
}

TEST(ValidateMixingMatrix, NegativeEntry) {
  Matrix w(2, 2);
  w << 1.1, -0.1, -0.1, 1.1;  // symmetric with unit row sums, but not nonnegative
  EXPECT_EQ(input_error_message([&] { validate_mixing_matrix(sparse(w)); }),
            "mixing matrix has a negative entry: W(1,0) = -0.1");
}

TEST(ValidateMixingMatrix, NotSymmetric) {
  Matrix w = Matrix::Identity(6, 6);
  w(2, 5) = 0.3;
  w(5, 2) = 0.25;
  EXPECT_EQ(input_error_message([&] { validate_mixing_matrix(sparse(w)); }),
            "mixing matrix is not symmetric: W(2,5) = 0.3 but W(5,2) = 0.25 (tolerance 1e-12)");
  // An entry present on one side only.
  Matrix one_sided = Matrix::Identity(3, 3);
  one_sided(0, 2) = 0.5;
  EXPECT_EQ(input_error_message([&] { validate_mixing_matrix(sparse(one_sided)); }),
            "mixing matrix is not symmetric: W(0,2) = 0.5 but W(2,0) = 0 (tolerance 1e-12)");
}

TEST(ValidateMixingMatrix, RowSumOff) {
  Matrix w = Matrix::Identity(4, 4);
  w(3, 3) = 0.9;
  EXPECT_EQ(input_error_message([&] { validate_mixing_matrix(sparse(w)); }),
            "mixing matrix row 3 sums to 0.9 instead of 1 (tolerance 1e-12)");
}

TEST(ValidateMixingMatrix, DisconnectedSupportListsComponents) {
  Matrix w = Matrix::Zero(5, 5);
  w.topLeftCorner(2, 2).setConstant(0.5);
  w.bottomRightCorner(3, 3).setConstant(1.0 / 3.0);
  EXPECT_EQ(input_error_message([&] { validate_mixing_matrix(sparse(w)); }),
            "mixing matrix support graph is disconnected: 2 components: {0, 1}, {2, 3, 4}");
}

TEST(ValidateMixingMatrix, ToleranceIsApplied) {
  SparseMatrix w = mixing_matrix(ring(6), MixingRule::kMetropolisHastings);
  w.coeffRef(0, 0) += 1e-13;  // within the default 1e-12
  EXPECT_NO_THROW(validate_mixing_matrix(w));
  w.coeffRef(0, 0) += 1e-11;
  const std::string message = input_error_message([&] { validate_mixing_matrix(w); });
  EXPECT_EQ(message.rfind("mixing matrix row 0 sums to 1.00000000001", 0), 0u) << message;
  EXPECT_NO_THROW(validate_mixing_matrix(w, {.tolerance = 1e-6}));
  w.coeffRef(1, 0) += 1e-9;  // asymmetric by 1e-9
  EXPECT_NO_THROW(validate_mixing_matrix(w, {.tolerance = 1e-6}));
  EXPECT_EQ(input_error_message([&] { validate_mixing_matrix(w, {.tolerance = -1.0}); }),
            "mixing validation tolerance (-1) must be finite and nonnegative");
}

TEST(LargeTopology, RingOfOneHundredThousandWorkersValidates) {
  // A functional check that nothing is quadratic: CSR graph, mixing matrix, validation.
  constexpr int kN = 100000;
  const Graph graph = ring(kN);
  EXPECT_EQ(graph.num_edges(), static_cast<std::size_t>(kN));
  const SparseMatrix w = mixing_matrix(graph, MixingRule::kMetropolisHastings);
  EXPECT_EQ(w.nonZeros(), 3 * kN);
  EXPECT_NO_THROW(validate_mixing_matrix(w));
  EXPECT_EQ(support_graph(w), graph);
  EXPECT_NO_THROW(require_connected(graph));
  EXPECT_NO_THROW(require_bipartite(graph));
}

}  // namespace
}  // namespace dsgdlab
