#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../algorithms/sim_test_support.hpp"
#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/analysis/trajectory_probe.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

using sim_test::base_setup;
using sim_test::quadratic_options;

// Sums of a few doubles of similar size agree with the exact identity to a few ulps; 1e-12
// relative leaves room for d·n ≈ 100 rounding errors of 1.1e-16 each, and an absolute 1e-14
// covers the rows where the consensus is exactly 0 (right after a global average).
constexpr double kIdentityRelative = 1e-12;
constexpr double kIdentityAbsolute = 1e-14;

RandomStream estimation_stream() {
  return RandomStream(StreamKey{.seed = 5, .purpose = StreamPurpose::kEstimation});
}

std::vector<std::string> names(const TrajectoryProbe& probe) {
  return {probe.columns().begin(), probe.columns().end()};
}

std::size_t column_index(const RunResult& result, const std::string& name) {
  const auto& columns = result.extra_trace_columns;
  const auto it = std::find(columns.begin(), columns.end(), name);
  EXPECT_NE(it, columns.end()) << "no column " << name;
  return static_cast<std::size_t>(it - columns.begin());
}

void expect_identity(double parts, double total, const std::string& what) {
  EXPECT_NEAR(parts, total, kIdentityRelative * std::abs(total) + kIdentityAbsolute) << what;
}

TEST(TrajectoryProbe, ColumnsFollowTheRunKind) {
  const QuadraticProblem problem(quadratic_options(8));
  EXPECT_EQ(
      names(TrajectoryProbe(problem, std::nullopt, {}, estimation_stream())),
      (std::vector<std::string>{"heterogeneity", "noise_variance_mean", "noise_variance_max"}));
  EXPECT_EQ(
      names(TrajectoryProbe(problem, std::nullopt, {}, estimation_stream(), {.noise_samples = 0})),
      (std::vector<std::string>{"heterogeneity"}));
  const std::vector<double> uniform(8, 0.125);
  EXPECT_EQ(names(TrajectoryProbe(problem, std::nullopt, uniform, estimation_stream(),
                                  {.noise_samples = 0})),
            (std::vector<std::string>{"heterogeneity", "heterogeneity_weighted"}));
  EXPECT_EQ(
      names(TrajectoryProbe(problem, from_two_level(contiguous_grouping(8, 2)), {},
                            estimation_stream(), {.noise_samples = 0})),
      (std::vector<std::string>{"heterogeneity", "intra_group_divergence", "inter_group_divergence",
                                "intra_group_consensus", "inter_group_consensus"}));
  EXPECT_EQ(names(TrajectoryProbe(problem, nested_grouping(8, {2, 4}, false, nullptr), {},
                                  estimation_stream(), {.noise_samples = 0})),
            (std::vector<std::string>{"heterogeneity", "level_1_divergence", "level_2_divergence",
                                      "level_3_divergence", "level_1_consensus",
                                      "level_2_consensus", "level_3_consensus"}));
}

TEST(TrajectoryProbe, RejectsANegativeSampleCountNamingTheField) {
  const QuadraticProblem problem(quadratic_options(4));
  try {
    TrajectoryProbe probe(problem, std::nullopt, {}, estimation_stream(), {.noise_samples = -1});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("estimators.noise_samples (-1)"), std::string::npos)
        << e.what();
  }
}

TEST(TrajectoryProbe, TwoLevelSplitsSumToHeterogeneityAndConsensusAtEveryCheckpoint) {
  const QuadraticProblem problem(quadratic_options(8));
  RunSetup setup = base_setup(problem, AlgorithmKind::kHsgd, 24);
  setup.algorithm.local_period = 2;
  setup.algorithm.global_period = 6;
  setup.grouping = from_two_level(contiguous_grouping(8, 2));
  setup.checkpoint_probe = std::make_shared<TrajectoryProbe>(
      problem, setup.grouping, std::vector<double>{}, estimation_stream());
  const RunResult result = run_simulation(setup);
  ASSERT_EQ(result.trace.size(), 25u);
  const auto zeta = column_index(result, "heterogeneity");
  const auto intra = column_index(result, "intra_group_divergence");
  const auto inter = column_index(result, "inter_group_divergence");
  const auto xi_intra = column_index(result, "intra_group_consensus");
  const auto xi_inter = column_index(result, "inter_group_consensus");
  bool saw_intra_consensus = false;
  for (const TraceRow& row : result.trace) {
    const std::string at = "iteration " + std::to_string(row.iteration);
    expect_identity(row.extra[intra] + row.extra[inter], row.extra[zeta], at);
    expect_identity(row.extra[xi_intra] + row.extra[xi_inter], row.consensus, at);
    EXPECT_GE(row.extra[intra], 0.0);
    EXPECT_GE(row.extra[inter], 0.0);
    // Right after a group average (iterations divisible by I = 2) workers of a group agree.
    if (row.iteration % 2 == 0) {
      EXPECT_EQ(row.extra[xi_intra], 0.0) << at;
    }
    if (row.iteration % 2 == 1) saw_intra_consensus |= row.extra[xi_intra] > 0.0;
  }
  EXPECT_TRUE(saw_intra_consensus);

  // Row 0 is at x_0, where the heterogeneity can be computed directly.
  Matrix gradients(problem.dim(), 8);
  local_gradients(problem, problem.initial_point(), gradients);
  EXPECT_DOUBLE_EQ(result.trace[0].extra[zeta], heterogeneity(gradients));
}

TEST(TrajectoryProbe, MultiLevelSpreadsSumToHeterogeneityAndConsensus) {
  const QuadraticProblem problem(quadratic_options(8));
  RunSetup setup = base_setup(problem, AlgorithmKind::kHsgd, 16);
  setup.algorithm.level_periods = {2, 4, 8};
  setup.grouping = nested_grouping(8, {2, 4}, false, nullptr);
  setup.checkpoint_probe = std::make_shared<TrajectoryProbe>(
      problem, setup.grouping, std::vector<double>{}, estimation_stream(),
      TrajectoryProbeOptions{.noise_samples = 0});
  const RunResult result = run_simulation(setup);
  ASSERT_EQ(result.extra_trace_columns.size(), 7u);
  for (const TraceRow& row : result.trace) {
    const std::string at = "iteration " + std::to_string(row.iteration);
    expect_identity(row.extra[1] + row.extra[2] + row.extra[3], row.extra[0], at);
    expect_identity(row.extra[4] + row.extra[5] + row.extra[6], row.consensus, at);
  }
}

TEST(TrajectoryProbe, WeightsComeFromTheLiveUpdateCountsOrTheNominalRates) {
  const QuadraticProblem problem(quadratic_options(4));
  const std::vector<double> nominal{0.4, 0.4, 0.1, 0.1};
  TrajectoryProbe probe(problem, std::nullopt, nominal, estimation_stream(), {.noise_samples = 0});
  const Vector x = Vector::LinSpaced(problem.dim(), -1.0, 2.0);
  const Matrix models = x.replicate(1, 4);
  Matrix gradients(problem.dim(), 4);
  local_gradients(problem, x, gradients);

  std::vector<double> values(2);
  const std::vector<std::int64_t> counts{3, 1, 0, 0};
  probe.measure({.iteration = 4, .models = models, .mean = x, .worker_updates = counts}, values);
  EXPECT_DOUBLE_EQ(values[0], heterogeneity(gradients));
  const std::vector<double> measured{0.75, 0.25, 0.0, 0.0};
  EXPECT_DOUBLE_EQ(values[1], heterogeneity(gradients, measured));

  const std::vector<std::int64_t> none{0, 0, 0, 0};
  probe.measure({.iteration = 0, .models = models, .mean = x, .worker_updates = none}, values);
  EXPECT_DOUBLE_EQ(values[1], heterogeneity(gradients, nominal));
  EXPECT_NE(heterogeneity(gradients, nominal), heterogeneity(gradients, measured));
}

TEST(TrajectoryProbe, SimRunsGiveBitIdenticalEstimates) {
  const QuadraticProblem problem(quadratic_options(6));
  const auto run = [&] {
    RunSetup setup = base_setup(problem, AlgorithmKind::kAdpsgd, 60);
    setup.graph = ring(6);
    setup.checkpoint_probe = std::make_shared<TrajectoryProbe>(
        problem, std::nullopt, std::vector<double>(6, 1.0 / 6.0), estimation_stream());
    return run_simulation(setup);
  };
  const RunResult first = run();
  const RunResult second = run();
  ASSERT_EQ(first.trace.size(), second.trace.size());
  for (std::size_t r = 0; r < first.trace.size(); ++r) {
    EXPECT_EQ(first.trace[r].extra, second.trace[r].extra) << "row " << r;
  }
}

TEST(TrajectoryProbe, NoiseColumnsRecoverTheQuadraticsSigmaSquared) {
  // quadratic: σ_i²(x) = noise_variance = 1 at every worker and point, so the probe's
  // estimates are i.i.d. with mean 1; 30 rows × 8 workers × 16 samples.
  const QuadraticProblem problem(quadratic_options(8));
  RunSetup setup = base_setup(problem, AlgorithmKind::kLocalSgd, 29);
  setup.algorithm.period = 4;
  auto probe = std::make_shared<TrajectoryProbe>(problem, std::nullopt, std::vector<double>{},
                                                 estimation_stream(),
                                                 TrajectoryProbeOptions{.noise_samples = 16});
  setup.checkpoint_probe = probe;
  const RunResult result = run_simulation(setup);
  const NoiseVarianceEstimator& noise = probe->noise_variance();
  EXPECT_EQ(noise.count(), 30 * 8);
  // A 95% Student-t half-width is 1.97 standard errors here (239 degrees of freedom); a band
  // of 2.5 half-widths is 4.9 standard errors, exceeded with probability < 1e-6.
  EXPECT_NEAR(noise.mean(), 1.0, 2.5 * noise.mean_ci95_half_width());
  EXPECT_LT(noise.mean_ci95_half_width(), 0.1);
  const auto mean_column = column_index(result, "noise_variance_mean");
  const auto max_column = column_index(result, "noise_variance_max");
  for (const TraceRow& row : result.trace) {
    EXPECT_GE(row.extra[max_column], row.extra[mean_column]);
    EXPECT_GT(row.extra[mean_column], 0.0);
  }
}

}  // namespace
}  // namespace dsgdlab
