#pragma once

/// Checks that a topology is usable, done once before a run: the graph is connected (otherwise
/// ρ = 1 and no consensus is possible, theory.md §4), bipartite where AD-PSGD's bipartite
/// pairing needs it (theory.md §2), and a mixing matrix is symmetric and doubly stochastic
/// with connected support (the D-PSGD assumption on W).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/algorithms/topology/graph.hpp"
#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// The connected components of `graph`, found by iterative breadth-first search (no
/// recursion, so a path of 10⁶ vertices is fine). Each component lists its vertices in
/// increasing order; components are ordered by their smallest vertex.
std::vector<std::vector<int>> connected_components(const Graph& graph);

/// Whether the graph has exactly one component (false for the empty graph).
bool is_connected(const Graph& graph);

/// "2 components: {0, 1, 2}, {3, 4}". Lists at most 5 components (then "and N more
/// components") and at most 10 vertices of each (then "... (N vertices)").
std::string describe_components(const std::vector<std::vector<int>>& components);

/// Throws InputError "graph is disconnected: 2 components: {0, 1, 2}, {3, 4}" unless the graph
/// is connected; "graph has no vertices" for the empty graph.
void require_connected(const Graph& graph);

/// A proper 2-colouring: side[v] ∈ {0, 1} with side[u] ≠ side[v] for every edge, or nullopt
/// if the graph has an odd cycle. The smallest vertex of each component gets side 0.
std::optional<std::vector<int>> bipartition(const Graph& graph);

/// Throws InputError unless the graph is bipartite, naming an edge that closes an odd cycle and
/// the cycle: "graph is not bipartite: edge {1, 2} closes the odd cycle 0 - 1 - 2 - 0; " +
/// `reason`. Cycles longer than 12 vertices are shortened with "...".
void require_bipartite(const Graph& graph, std::string_view reason =
                                               "AD-PSGD pairing = bipartite needs a bipartite "
                                               "graph");

/// Options of validate_mixing_matrix.
struct MixingValidationOptions {
  /// Absolute tolerance ε for |W_ij − W_ji| ≤ ε and |Σ_j W_ij − 1| ≤ ε. Default 1e-12: a row
  /// sum of k double entries carries a rounding error of at most about k·2⁻⁵³ ≈ k·1.1e-16
  /// (Higham, γ_k), so 1e-12 accepts every matrix dsgdlab builds up to ~9000 neighbours per
  /// worker while still catching a file whose entries are written to fewer than 12 digits
  /// (write them with 17 significant digits or as fractions such as 1/3).
  double tolerance = 1e-12;

  /// Throws InputError unless tolerance is finite and nonnegative.
  void validate() const;
};

/// Checks that W is a valid D-PSGD mixing matrix and throws InputError at the first failure,
/// in this order: W is square and nonempty; every stored entry is finite; W_ij ≥ 0; W is
/// symmetric, |W_ij − W_ji| ≤ ε ("mixing matrix is not symmetric: W(2,5) = 0.3 but W(5,2) =
/// 0.25 (tolerance 1e-12)"); every row sums to 1 within ε (symmetry then makes the columns sum
/// to 1, so W is doubly stochastic); the support graph {i, j : W_ij ≠ 0, i ≠ j} is connected
/// (naming its components). Cost O(nnz log n).
void validate_mixing_matrix(const SparseMatrix& mixing,
                            const MixingValidationOptions& options = {});

}  // namespace dsgdlab
