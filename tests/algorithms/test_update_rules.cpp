// The update rules every engine shares (update_rules.hpp, theory.md §2): the SGD step, and the
// aggregations, each of which must keep x̄ = (1/n) Σ_i x_i unchanged up to rounding.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
/// Unit roundoff u = ε/2: |fl(a ∘ b) − a ∘ b| ≤ u·|a ∘ b|.
constexpr double kUnitRoundoff = kEpsilon / 2.0;

Matrix random_models(Index dim, Index num_workers, std::uint64_t seed) {
  RandomStream rng(seed);
  Matrix models(dim, num_workers);
  for (Index i = 0; i < num_workers; ++i) {
    rng.fill_normal(models.col(i));
    models.col(i) *= 3.0 + static_cast<double>(i);  // columns of different magnitudes
  }
  return models;
}

/// max over coordinates r of |x̄_r(after) − x̄_r(before)|, both means accumulated in long double
/// (64-bit significand) so that the measurement adds only ~n·2⁻⁶⁴·max|x| ≪ ε·max|x|.
double mean_drift(const Matrix& before, const Matrix& after) {
  double drift = 0.0;
  for (Index r = 0; r < before.rows(); ++r) {
    long double sum_before = 0.0L;
    long double sum_after = 0.0L;
    for (Index i = 0; i < before.cols(); ++i) {
      sum_before += before(r, i);
      sum_after += after(r, i);
    }
    const long double n = static_cast<long double>(before.cols());
    drift = std::max(drift, static_cast<double>(std::fabs(sum_after / n - sum_before / n)));
  }
  return drift;
}

double max_abs(const Matrix& models) { return models.cwiseAbs().maxCoeff(); }

TEST(SgdStep, SubtractsTheScaledGradient) {
  Vector x(3);
  x << 1.0, -2.0, 0.5;
  Vector g(3);
  g << 4.0, 1.0, -8.0;
  sgd_step(x, g, 0.25);
  EXPECT_EQ(x(0), 0.0);
  EXPECT_EQ(x(1), -2.25);
  EXPECT_EQ(x(2), 2.5);
}

TEST(AverageMembers, KeepsTheColumnMeanAndGivesMembersIdenticalBits) {
  // m members: fl(Σ)/m differs from the true member mean by ≤ (m − 1)u·max|x| (summation,
  // Higham's γ_{m−1}) + u·max|x| (division) = m·u·max|x|; x̄ moves by m/n of that, ≤ m·u·max|x|.
  const Matrix start = random_models(20, 6, 11);
  const std::vector<std::vector<int>> member_sets{{0, 1, 2, 3, 4, 5}, {1, 4}, {0, 2, 5}};
  for (const auto& members : member_sets) {
    Matrix models = start;
    Vector scratch(models.rows());
    average_members(models, members, scratch);
    const double m = static_cast<double>(members.size());
    EXPECT_LE(mean_drift(start, models), m * kUnitRoundoff * max_abs(start))
        << members.size() << " members";
    for (int member : members) {
      EXPECT_TRUE((models.col(member).array() == models.col(members.front()).array()).all())
          << "member " << member;
    }
    for (Index i = 0; i < models.cols(); ++i) {
      if (std::find(members.begin(), members.end(), static_cast<int>(i)) == members.end()) {
        EXPECT_TRUE((models.col(i).array() == start.col(i).array()).all())
            << "non-member " << i << " changed";
      }
    }
    // The mean of the members, to rounding.
    Vector expected = Vector::Zero(start.rows());
    for (int member : members) expected += start.col(member);
    expected /= m;
    EXPECT_LE((models.col(members.front()) - expected).cwiseAbs().maxCoeff(),
              2.0 * m * kUnitRoundoff * max_abs(start));
  }
}

TEST(AverageMembers, OneMemberIsLeftExactlyAsItWas) {
  const Matrix start = random_models(20, 4, 12);
  Matrix models = start;
  Vector scratch(models.rows());
  const std::vector<int> members{2};
  average_members(models, members, scratch);
  EXPECT_TRUE((models.array() == start.array()).all());
}

TEST(AveragePair, BothGetIdenticalBitsAndTheMeanIsKept) {
  // fl(a + b)·½ is off by ≤ u·|a + b|/2 ≤ u·max|x| in each of the two columns: x̄ moves by
  // ≤ 2u·max|x|/n.
  const Matrix start = random_models(30, 5, 13);
  Matrix models = start;
  average_pair(models.col(1), models.col(3));
  EXPECT_TRUE((models.col(1).array() == models.col(3).array()).all());
  EXPECT_LE(mean_drift(start, models), 2.0 * kUnitRoundoff * max_abs(start) / 5.0);
  EXPECT_LE((models.col(1) - 0.5 * (start.col(1) + start.col(3))).cwiseAbs().maxCoeff(),
            kUnitRoundoff * max_abs(start));
  for (Index i : {0, 2, 4}) {
    EXPECT_TRUE((models.col(i).array() == start.col(i).array()).all()) << "column " << i;
  }
}

TEST(MixWorker, DoublyStochasticMixingKeepsTheColumnMean) {
  // New column i = Σ_j W_ij x_j over k = deg + 1 stored entries: k products and k − 1 sums give
  // ≤ k·u·Σ_j W_ij|x_j| ≤ k·u·max|x| (rows sum to 1); the stored W's column sums are 1 within
  // ≈ 2u (W_ii = 1 − Σ of rounded entries), adding 2u·max|x|. So x̄ moves by ≤ (k + 2)·u·max|x|.
  struct Case {
    const char* name;
    Graph graph;
    MixingRule rule;
  };
  const std::vector<Case> cases{
      {"ring 6 MH", ring(6), MixingRule::kMetropolisHastings},
      {"star 5 MH", star(5), MixingRule::kMetropolisHastings},
      {"hypercube 3 lazy uniform", hypercube(3), MixingRule::kLazyUniform},
      {"complete 4 uniform", complete(4), MixingRule::kUniform}};
  for (const Case& c : cases) {
    const SparseMatrix w = mixing_matrix(c.graph, c.rule);
    const Index n = c.graph.num_vertices();
    const Matrix start = random_models(25, n, 14);
    Matrix mixed(start.rows(), n);
    for (int i = 0; i < static_cast<int>(n); ++i) mix_worker(w, i, start, mixed.col(i));
    const double k = static_cast<double>(c.graph.max_degree() + 1);
    EXPECT_LE(mean_drift(start, mixed), (k + 2.0) * kUnitRoundoff * max_abs(start)) << c.name;
    // And it is the matrix product X W (W symmetric), to the same rounding.
    const Matrix product = start * Matrix(w);
    EXPECT_LE((mixed - product).cwiseAbs().maxCoeff(), 2.0 * k * kUnitRoundoff * max_abs(start))
        << c.name;
  }
}

TEST(AverageColumns, MeanAndConsensusDistanceClosedForm) {
  // Columns (0, 0), (2, 0), (4, 6): x̄ = (2, 2); Ξ = (8 + 4 + 20)/3.
  Matrix models(2, 3);
  models << 0.0, 2.0, 4.0, 0.0, 0.0, 6.0;
  Vector mean(2);
  average_columns(models, mean);
  EXPECT_EQ(mean(0), 2.0);
  EXPECT_EQ(mean(1), 2.0);
  EXPECT_DOUBLE_EQ(consensus_distance(models, mean), 32.0 / 3.0);
}

}  // namespace
}  // namespace dsgdlab
