#include "dsgdlab/algorithms/topology/validation.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

constexpr std::size_t kMaxListedComponents = 5;
constexpr std::size_t kMaxListedVertices = 10;
constexpr std::size_t kMaxListedCycleVertices = 12;
constexpr std::size_t kCycleEndsShown = 5;

/// Breadth-first 2-colouring that remembers the BFS tree, so that a failure can be explained
/// by the odd cycle that one non-tree edge closes.
struct TwoColouring {
  std::vector<int> side;
  std::vector<int> parent;
  std::optional<std::pair<int, int>> conflict;  ///< an edge whose endpoints share a side
};

TwoColouring two_colour(const Graph& graph) {
  const auto n = static_cast<std::size_t>(graph.num_vertices());
  TwoColouring result{std::vector<int>(n, -1), std::vector<int>(n, -1), std::nullopt};
  std::vector<int> queue;
  queue.reserve(n);
  for (std::size_t start = 0; start < n; ++start) {
    if (result.side[start] >= 0) continue;
    result.side[start] = 0;
    queue.assign(1, static_cast<int>(start));
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const int u = queue[head];
      const int u_side = result.side[static_cast<std::size_t>(u)];
      for (int w : graph.neighbors(u)) {
        const auto wi = static_cast<std::size_t>(w);
        if (result.side[wi] < 0) {
          result.side[wi] = 1 - u_side;
          result.parent[wi] = u;
          queue.push_back(w);
        } else if (result.side[wi] == u_side) {
          result.conflict = std::make_pair(u, w);
          return result;
        }
      }
    }
  }
  return result;
}

/// The cycle closed by the conflict edge {u, w}: BFS gives u and w the same depth, so walking
/// both up the tree in step meets at their lowest common ancestor. Returned as
/// lca, ..., u, w, ..., lca (first vertex repeated at the end).
std::vector<int> odd_cycle(const TwoColouring& colouring) {
  auto [u, w] = *colouring.conflict;
  std::vector<int> from_u{u};
  std::vector<int> from_w{w};
  while (u != w) {
    u = colouring.parent[static_cast<std::size_t>(u)];
    w = colouring.parent[static_cast<std::size_t>(w)];
    from_u.push_back(u);
    from_w.push_back(w);
  }
  // from_u = u ... lca, from_w = w ... lca.
  std::vector<int> cycle(from_u.rbegin(), from_u.rend());
  cycle.insert(cycle.end(), from_w.begin(), from_w.end());
  return cycle;
}

std::string describe_cycle(const std::vector<int>& cycle) {
  std::string text;
  const auto append = [&](std::size_t k) {
    if (!text.empty()) text += " - ";
    text += std::to_string(cycle[k]);
  };
  if (cycle.size() <= kMaxListedCycleVertices + 1) {
    for (std::size_t k = 0; k < cycle.size(); ++k) append(k);
    return text;
  }
  for (std::size_t k = 0; k < kCycleEndsShown; ++k) append(k);
  text += " - ...";
  for (std::size_t k = cycle.size() - kCycleEndsShown; k < cycle.size(); ++k) append(k);
  text += " (" + std::to_string(cycle.size() - 1) + " edges)";
  return text;
}

std::string entry_name(Index row, Index col) {
  return "W(" + std::to_string(row) + "," + std::to_string(col) + ")";
}

}  // namespace

std::vector<std::vector<int>> connected_components(const Graph& graph) {
  const auto n = static_cast<std::size_t>(graph.num_vertices());
  std::vector<char> seen(n, 0);
  std::vector<std::vector<int>> components;
  for (std::size_t start = 0; start < n; ++start) {
    if (seen[start] != 0) continue;
    seen[start] = 1;
    std::vector<int> component{static_cast<int>(start)};
    for (std::size_t head = 0; head < component.size(); ++head) {
      for (int w : graph.neighbors(component[head])) {
        if (seen[static_cast<std::size_t>(w)] == 0) {
          seen[static_cast<std::size_t>(w)] = 1;
          component.push_back(w);
        }
      }
    }
    std::sort(component.begin(), component.end());
    components.push_back(std::move(component));
  }
  return components;
}

bool is_connected(const Graph& graph) { return connected_components(graph).size() == 1; }

std::string describe_components(const std::vector<std::vector<int>>& components) {
  std::string text = std::to_string(components.size()) + " components: ";
  const std::size_t listed = std::min(components.size(), kMaxListedComponents);
  for (std::size_t c = 0; c < listed; ++c) {
    const auto& component = components[c];
    if (c > 0) text += ", ";
    text += '{';
    const std::size_t shown = std::min(component.size(), kMaxListedVertices);
    for (std::size_t k = 0; k < shown; ++k) {
      if (k > 0) text += ", ";
      text += std::to_string(component[k]);
    }
    if (shown < component.size()) {
      text += ", ... (" + std::to_string(component.size()) + " vertices)";
    }
    text += '}';
  }
  if (listed < components.size()) {
    text += ", and " + std::to_string(components.size() - listed) + " more components";
  }
  return text;
}

void require_connected(const Graph& graph) {
  if (graph.num_vertices() == 0) throw InputError("graph has no vertices");
  const auto components = connected_components(graph);
  if (components.size() > 1) {
    throw InputError("graph is disconnected: " + describe_components(components));
  }
}

std::optional<std::vector<int>> bipartition(const Graph& graph) {
  auto colouring = two_colour(graph);
  if (colouring.conflict) return std::nullopt;
  return std::move(colouring.side);
}

void require_bipartite(const Graph& graph, std::string_view reason) {
  const auto colouring = two_colour(graph);
  if (!colouring.conflict) return;
  const auto [u, w] = *colouring.conflict;
  std::string message = "graph is not bipartite: edge {" + std::to_string(u) + ", " +
                        std::to_string(w) + "} closes the odd cycle " +
                        describe_cycle(odd_cycle(colouring));
  if (!reason.empty()) {
    message += "; ";
    message += reason;
  }
  throw InputError(message);
}

void MixingValidationOptions::validate() const {
  if (!(std::isfinite(tolerance) && tolerance >= 0.0)) {
    throw invalid_option("mixing validation tolerance", tolerance,
                         "must be finite and nonnegative");
  }
}

void validate_mixing_matrix(const SparseMatrix& mixing, const MixingValidationOptions& options) {
  options.validate();
  const std::string tolerance = " (tolerance " + format_double(options.tolerance) + ")";
  if (mixing.rows() != mixing.cols()) {
    throw InputError("mixing matrix is not square: " + std::to_string(mixing.rows()) + " x " +
                     std::to_string(mixing.cols()));
  }
  if (mixing.rows() == 0) throw InputError("mixing matrix is empty (0 x 0)");

  for (Index k = 0; k < mixing.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(mixing, k); it; ++it) {
      if (!std::isfinite(it.value())) {
        throw InputError("mixing matrix has a non-finite entry: " + entry_name(it.row(), it.col()) +
                         " = " + format_double(it.value()));
      }
    }
  }
  for (Index k = 0; k < mixing.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(mixing, k); it; ++it) {
      if (it.value() < 0.0) {
        throw InputError("mixing matrix has a negative entry: " + entry_name(it.row(), it.col()) +
                         " = " + format_double(it.value()));
      }
    }
  }
  for (Index k = 0; k < mixing.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(mixing, k); it; ++it) {
      const Index i = std::min(it.row(), it.col());
      const Index j = std::max(it.row(), it.col());
      if (i == j) continue;
      const double upper = mixing.coeff(i, j);
      const double lower = mixing.coeff(j, i);
      if (!(std::abs(upper - lower) <= options.tolerance)) {
        throw InputError("mixing matrix is not symmetric: " + entry_name(i, j) + " = " +
                         format_double(upper) + " but " + entry_name(j, i) + " = " +
                         format_double(lower) + tolerance);
      }
    }
  }
  Vector row_sums = Vector::Zero(mixing.rows());
  for (Index k = 0; k < mixing.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(mixing, k); it; ++it) row_sums(it.row()) += it.value();
  }
  for (Index i = 0; i < mixing.rows(); ++i) {
    if (!(std::abs(row_sums(i) - 1.0) <= options.tolerance)) {
      throw InputError("mixing matrix row " + std::to_string(i) + " sums to " +
                       format_double(row_sums(i)) + " instead of 1" + tolerance);
    }
  }
  const auto components = connected_components(support_graph(mixing));
  if (components.size() > 1) {
    throw InputError("mixing matrix support graph is disconnected: " +
                     describe_components(components));
  }
}

}  // namespace dsgdlab
