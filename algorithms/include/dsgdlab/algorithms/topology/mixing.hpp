#pragma once

/// Mixing matrices W for gossip averaging on a communication graph (theory.md §2, D-PSGD:
/// X_{k+1} = X_k W − η G(X_k)). Every rule here gives a symmetric doubly stochastic W whose
/// support is the graph plus the diagonal, so W is a valid D-PSGD matrix on a connected graph.

#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "dsgdlab/algorithms/topology/graph.hpp"
#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// How W is built from a graph with degrees d_i.
enum class MixingRule {
  /// W_ij = 1/(d + 1) for j ∈ N(i) ∪ {i}; needs a d-regular graph.
  kUniform,
  /// Metropolis–Hastings: W_ij = 1/(1 + max(d_i, d_j)) for {i, j} an edge,
  /// W_ii = 1 − Σ_{j∈N(i)} W_ij; any graph.
  kMetropolisHastings,
  /// ½(I + W_uniform): eigenvalues (1 + λ)/2 ∈ [0, 1], so SLEM = λ₂ (no oscillation).
  kLazyUniform,
  /// ½(I + W_MH).
  kLazyMetropolisHastings,
};

/// "uniform", "metropolis_hastings", "lazy_uniform", "lazy_metropolis_hastings".
std::string_view to_string(MixingRule rule);

/// The rule with the given name; throws InputError `FIELD ("foo") is not a known mixing rule
/// (uniform, metropolis_hastings, lazy_uniform, lazy_metropolis_hastings)`.
MixingRule parse_mixing_rule(std::string_view name, std::string_view field = "topology.mixing");

struct MixingRuleInfo {
  MixingRule rule;
  std::string_view name;
  std::string_view description;  ///< one line, for `dsgdlab list`
};

/// Every rule with its name and a one-line description, in enum order.
std::span<const MixingRuleInfo> mixing_rule_catalog();

/// The n × n mixing matrix of `graph` under `rule`, compressed column-major, with only the
/// structural nonzeros (diagonal and edges). Throws InputError for kUniform/kLazyUniform on a
/// non-regular graph, naming two vertices whose degrees differ and suggesting
/// metropolis_hastings. Entries of an edge are computed once and stored at (i, j) and (j, i),
/// so W is exactly symmetric; W_ii = 1 − Σ_j W_ij sums the row in increasing neighbour order.
SparseMatrix mixing_matrix(const Graph& graph, MixingRule rule);

/// Reads a user mixing matrix. `num_workers` is n, or 0 to infer it from the file. '#' starts
/// a comment that runs to the end of the line; blank lines are skipped. Fields are separated
/// by blanks (spaces, tabs); numbers are decimal
/// (anything std::from_chars accepts, e.g. 0.25, 2.5e-1, nan) or fractions "p/q" such as 1/3,
/// which let hand-written files be exact to the last bit. Two layouts:
/// - dense: n lines of n numbers, line r holding row r;
/// - triplets: lines "i j w" with 0-based indices; entries not listed are 0; each (i, j) at
///   most once.
/// The layout is told from the first data line: other than 3 fields means dense; 3 fields
/// means triplets, except that a file of exactly 3 data lines is a dense 3 × 3 matrix when n
/// is 3 or inferred (a 3-line triplet file cannot describe a valid mixing matrix on 3 or more
/// workers: connected support alone needs at least 4 off-diagonal entries). With
/// num_workers = 0, n is the field count of a dense file, or max index + 1 of a triplet file.
/// Zero entries are not stored. Only the layout is checked here; call
/// validate_mixing_matrix for the mathematical properties. Errors are FileFormatError naming
/// the line: a token that is not a number, a wrong field count, an index that is not an
/// integer in [0, n), a repeated (i, j), too few or too many rows; a missing file is an
/// InputError naming the path.
SparseMatrix read_mixing_matrix(const std::filesystem::path& file, int num_workers);

/// The graph of W's off-diagonal support: {i, j} is an edge when W_ij ≠ 0 or W_ji ≠ 0, i ≠ j.
/// Throws InputError if W is not square.
Graph support_graph(const SparseMatrix& mixing);

}  // namespace dsgdlab
