// AD-PSGD's pair probabilities π_e (nominal and measured) and its expected mixing matrix
// E[W] = I − ½ L_π.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

/// Initiator probabilities must sum to 1 within this (the argument of kMixingTolerance in
/// spectral.cpp: a sum of a few rounded terms).
constexpr double kProbabilityTolerance = 1e-12;

void check_pair_probabilities(const Graph& graph, std::span<const double> pair_probabilities) {
  if (pair_probabilities.size() != graph.num_edges()) {
    throw InputError("pair probabilities: " + std::to_string(pair_probabilities.size()) +
                     " values for a graph with " + std::to_string(graph.num_edges()) + " edges");
  }
  const auto edges = graph.edges();
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const double pi = pair_probabilities[e];
    if (!(pi >= 0.0 && pi <= 1.0)) {
      throw InputError("pair probability of edge {" + std::to_string(edges[e].first) + ", " +
                       std::to_string(edges[e].second) + "} (" + describe_value(pi) +
                       ") must lie in [0, 1]");
    }
  }
}

}  // namespace

std::vector<double> adpsgd_pair_probabilities(const Graph& graph, PairingMode pairing,
                                              std::span<const double> initiator_probabilities) {
  const int n = graph.num_vertices();
  require_connected(graph);
  std::vector<double> p(static_cast<std::size_t>(n), 1.0 / n);
  if (!initiator_probabilities.empty()) {
    if (initiator_probabilities.size() != static_cast<std::size_t>(n)) {
      throw InputError(
          "initiator probabilities: " + std::to_string(initiator_probabilities.size()) +
          " values for a graph with " + std::to_string(n) + " workers");
    }
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
      const double value = initiator_probabilities[static_cast<std::size_t>(i)];
      if (!(std::isfinite(value) && value >= 0.0)) {
        throw InputError("initiator probability of worker " + std::to_string(i) + " (" +
                         describe_value(value) + ") must be finite and nonnegative");
      }
      sum += value;
    }
    if (!(std::abs(sum - 1.0) <= kProbabilityTolerance)) {
      throw InputError("initiator probabilities sum to " + describe_value(sum) +
                       " instead of 1 (tolerance " + describe_value(kProbabilityTolerance) + ")");
    }
    p.assign(initiator_probabilities.begin(), initiator_probabilities.end());
  }
  std::vector<int> side;
  if (pairing == PairingMode::kBipartite) {
    require_bipartite(graph);
    side = *bipartition(graph);
  }
  const auto edges = graph.edges();
  std::vector<double> pi;
  pi.reserve(edges.size());
  for (const auto& [i, j] : edges) {
    const double from_i = p[static_cast<std::size_t>(i)] / graph.degree(i);
    const double from_j = p[static_cast<std::size_t>(j)] / graph.degree(j);
    if (pairing == PairingMode::kBipartite) {
      pi.push_back(side[static_cast<std::size_t>(i)] == 0 ? from_i : from_j);
    } else {
      pi.push_back(from_i + from_j);
    }
  }
  return pi;
}

std::vector<double> measured_pair_probabilities(const Graph& graph,
                                                std::span<const std::int64_t> pair_counts,
                                                std::int64_t iterations) {
  if (pair_counts.size() != graph.num_edges()) {
    throw InputError("pair counts: " + std::to_string(pair_counts.size()) +
                     " counts for a graph with " + std::to_string(graph.num_edges()) + " edges");
  }
  if (iterations < 1) {
    throw InputError("pair counts: iterations (" + std::to_string(iterations) +
                     ") must be positive");
  }
  const auto edges = graph.edges();
  std::int64_t total = 0;
  for (std::size_t e = 0; e < pair_counts.size(); ++e) {
    if (pair_counts[e] < 0) {
      throw InputError("pair count of edge {" + std::to_string(edges[e].first) + ", " +
                       std::to_string(edges[e].second) + "} (" + std::to_string(pair_counts[e]) +
                       ") is negative");
    }
    total += pair_counts[e];
  }
  if (total > iterations) {
    throw InputError("pair counts sum to " + std::to_string(total) + ", more than the " +
                     std::to_string(iterations) + " iterations");
  }
  std::vector<double> pi;
  pi.reserve(pair_counts.size());
  for (const std::int64_t count : pair_counts) {
    pi.push_back(static_cast<double>(count) / static_cast<double>(iterations));
  }
  return pi;
}

SparseMatrix adpsgd_expected_mixing(const Graph& graph,
                                    std::span<const double> pair_probabilities) {
  check_pair_probabilities(graph, pair_probabilities);
  const int n = graph.num_vertices();
  std::vector<double> diagonal(static_cast<std::size_t>(n), 0.0);
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(2 * graph.num_edges() + static_cast<std::size_t>(n));
  const auto edges = graph.edges();
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const auto [i, j] = edges[e];
    const double half = 0.5 * pair_probabilities[e];
    triplets.emplace_back(i, j, half);
    triplets.emplace_back(j, i, half);
    diagonal[static_cast<std::size_t>(i)] += half;
    diagonal[static_cast<std::size_t>(j)] += half;
  }
  for (int i = 0; i < n; ++i) {
    triplets.emplace_back(i, i, 1.0 - diagonal[static_cast<std::size_t>(i)]);
  }
  SparseMatrix expected(n, n);
  expected.setFromTriplets(triplets.begin(), triplets.end());
  expected.makeCompressed();
  return expected;
}

}  // namespace dsgdlab
