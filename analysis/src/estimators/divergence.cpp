#include "dsgdlab/analysis/estimators/divergence.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace dsgdlab {

void local_gradients(const Problem& problem, ConstVectorRef x, MatrixRef out) {
  if (out.rows() != problem.dim() || out.cols() != problem.num_workers()) {
    throw std::invalid_argument("local_gradients: output is " + std::to_string(out.rows()) + " x " +
                                std::to_string(out.cols()) +
                                ", expected d x n = " + std::to_string(problem.dim()) + " x " +
                                std::to_string(problem.num_workers()));
  }
  for (int worker = 0; worker < problem.num_workers(); ++worker) {
    problem.local_gradient(worker, x, out.col(worker));
  }
}

namespace {

/// Rejects weights that are not a probability vector over the n columns.
void check_weights(std::span<const double> weights, Index num_columns) {
  if (static_cast<Index>(weights.size()) != num_columns) {
    throw std::invalid_argument("heterogeneity: " + std::to_string(weights.size()) +
                                " weights for " + std::to_string(num_columns) + " workers");
  }
  double sum = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0.0) || !std::isfinite(weights[i])) {
      throw std::invalid_argument("heterogeneity: weight of worker " + std::to_string(i) + " is " +
                                  std::to_string(weights[i]) + "; weights must be finite and >= 0");
    }
    sum += weights[i];
  }
  if (std::abs(sum - 1.0) > 1e-12) {
    throw std::invalid_argument("heterogeneity: weights sum to " + std::to_string(sum) +
                                ", not 1 (within 1e-12)");
  }
}

}  // namespace

double heterogeneity(ConstMatrixRef local_gradients, std::span<const double> weights) {
  const Index n = local_gradients.cols();
  if (n == 0) throw std::invalid_argument("heterogeneity: no workers");
  if (weights.empty()) {
    const Vector mean = local_gradients.rowwise().mean();
    return (local_gradients.colwise() - mean).colwise().squaredNorm().sum() /
           static_cast<double>(n);
  }
  check_weights(weights, n);
  Vector mean = Vector::Zero(local_gradients.rows());
  for (Index i = 0; i < n; ++i)
    mean += weights[static_cast<std::size_t>(i)] * local_gradients.col(i);
  double spread = 0.0;
  for (Index i = 0; i < n; ++i) {
    spread += weights[static_cast<std::size_t>(i)] * (local_gradients.col(i) - mean).squaredNorm();
  }
  return spread;
}

GroupSplit group_split(ConstMatrixRef columns, const Grouping& grouping) {
  if (grouping.num_workers() != columns.cols()) {
    throw std::invalid_argument("group_split: grouping of " +
                                std::to_string(grouping.num_workers()) + " workers for " +
                                std::to_string(columns.cols()) + " columns");
  }
  HierarchicalSpread spread(from_two_level(grouping), columns.rows());
  double levels[2] = {0.0, 0.0};
  GroupSplit split;
  split.total = spread.compute(columns, levels);
  split.intra_group = levels[0];
  split.inter_group = levels[1];
  return split;
}

HierarchicalSpread::HierarchicalSpread(const HierarchicalGrouping& hierarchy, Index dim)
    : hierarchy_(hierarchy) {
  hierarchy_.validate(hierarchy_.num_workers);
  const int num_levels = hierarchy_.num_levels();
  cluster_means_.resize(static_cast<std::size_t>(num_levels) + 1);
  cluster_sizes_.resize(static_cast<std::size_t>(num_levels) + 1);
  for (int level = 1; level <= num_levels; ++level) {
    const auto slot = static_cast<std::size_t>(level);
    cluster_means_[slot] = Matrix::Zero(dim, hierarchy_.num_clusters(level));
    cluster_sizes_[slot] = Vector::Zero(hierarchy_.num_clusters(level));
    for (int worker = 0; worker < hierarchy_.num_workers; ++worker) {
      cluster_sizes_[slot](hierarchy_.cluster_of(level, worker)) += 1.0;
    }
  }
}

int HierarchicalSpread::num_levels() const { return hierarchy_.num_levels(); }

double HierarchicalSpread::compute(ConstMatrixRef columns, std::span<double> per_level) {
  const int n = hierarchy_.num_workers;
  const int num_levels = hierarchy_.num_levels();
  if (columns.cols() != n || static_cast<int>(per_level.size()) != num_levels ||
      columns.rows() != cluster_means_[1].rows()) {
    throw std::invalid_argument(
        "HierarchicalSpread::compute: expected " + std::to_string(cluster_means_[1].rows()) +
        " x " + std::to_string(n) + " columns and " + std::to_string(num_levels) + " levels");
  }
  // Cluster means of every level ℓ ≥ 1 straight from the columns (each mean is |C|-weighted
  // over its members; summing members rather than child means keeps the rounding of every
  // level independent of the levels below).
  for (int level = 1; level <= num_levels; ++level) {
    Matrix& means = cluster_means_[static_cast<std::size_t>(level)];
    means.setZero();
    for (int worker = 0; worker < n; ++worker) {
      means.col(hierarchy_.cluster_of(level, worker)) += columns.col(worker);
    }
    means.array().rowwise() /= cluster_sizes_[static_cast<std::size_t>(level)].transpose().array();
  }
  // S_ℓ = Σ_{C∈C_{ℓ−1}} (|C|/n) ‖v_C − v_parent(C)‖² = (1/n) Σ_i ‖v_{C_{ℓ−1}(i)} − v_{C_ℓ(i)}‖²,
  // summing over workers so that each cluster is counted |C| times.
  double total = 0.0;
  for (int level = 1; level <= num_levels; ++level) {
    const Matrix& parents = cluster_means_[static_cast<std::size_t>(level)];
    const Matrix* children =
        level >= 2 ? &cluster_means_[static_cast<std::size_t>(level) - 1] : nullptr;
    double spread = 0.0;
    for (int worker = 0; worker < n; ++worker) {
      const auto parent = parents.col(hierarchy_.cluster_of(level, worker));
      if (children == nullptr) {
        spread += (columns.col(worker) - parent).squaredNorm();
      } else {
        spread += (children->col(hierarchy_.cluster_of(level - 1, worker)) - parent).squaredNorm();
      }
    }
    spread /= static_cast<double>(n);
    per_level[static_cast<std::size_t>(level) - 1] = spread;
    total += spread;
  }
  return total;
}

std::vector<double> level_spreads(ConstMatrixRef columns, const HierarchicalGrouping& hierarchy) {
  HierarchicalSpread spread(hierarchy, columns.rows());
  std::vector<double> levels(static_cast<std::size_t>(spread.num_levels()));
  spread.compute(columns, levels);
  return levels;
}

}  // namespace dsgdlab
