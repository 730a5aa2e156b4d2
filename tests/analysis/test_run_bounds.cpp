#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../algorithms/sim_test_support.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/analysis/bounds/gossip_bounds.hpp"
#include "dsgdlab/analysis/run_bounds.hpp"
#include "dsgdlab/problems/nonconvex_separable.hpp"
#include "dsgdlab/problems/quadratic.hpp"

namespace dsgdlab {
namespace {

using sim_test::base_setup;

struct Finished {
  RunSetup setup;
  std::shared_ptr<TrajectoryProbe> probe;
  RunResult result;
  RunEstimates estimates;
  RunBounds bounds;
};

/// Runs `kind` on `problem` for K iterations at constant step η with a trajectory probe, then
/// estimates and evaluates the bounds.
Finished run_and_bound(const Problem& problem, AlgorithmKind kind, std::int64_t iterations,
                       double step, std::uint64_t seed,
                       const std::function<void(RunSetup&)>& adjust = {}) {
  Finished run;
  run.setup = base_setup(problem, kind, iterations);
  run.setup.algorithm.step = StepSchedule{.initial = step};
  run.setup.run.seed = seed;
  run.setup.run.probe.every_iterations = 8;
  if (adjust) adjust(run.setup);
  std::optional<HierarchicalGrouping> hierarchy;
  if (kind == AlgorithmKind::kHsgd) hierarchy = run.setup.grouping;
  std::vector<double> weights;
  if (is_asynchronous(kind)) {
    weights = nominal_update_probabilities(run.setup.cost, problem.num_workers());
  }
  run.probe = std::make_shared<TrajectoryProbe>(
      problem, hierarchy, weights,
      RandomStream(StreamKey{.seed = seed, .purpose = StreamPurpose::kEstimation}));
  run.setup.checkpoint_probe = run.probe;
  run.result = run_simulation(run.setup);
  run.estimates = estimate_run(run.setup, run.result, problem.initial_point(), run.probe.get(), {});
  run.bounds = run_bounds(run.setup, run.result, run.estimates);
  return run;
}

std::vector<std::string> names(const RunBounds& bounds) {
  std::vector<std::string> result;
  for (const RunBound& run_bound : bounds.bounds) result.push_back(run_bound.bound.name);
  return result;
}

void two_level(RunSetup& setup) {
  setup.algorithm.local_period = 2;
  setup.algorithm.global_period = 8;
  setup.grouping = from_two_level(contiguous_grouping(setup.problem->num_workers(), 2));
}

void three_level(RunSetup& setup) {
  setup.algorithm.level_periods = {2, 4, 8};
  setup.grouping = nested_grouping(setup.problem->num_workers(), {2, 4}, false, nullptr);
}

void ring_gossip(RunSetup& setup) {
  setup.graph = ring(setup.problem->num_workers());
  setup.mixing = mixing_matrix(*setup.graph, MixingRule::kUniform);
}

TEST(RunBounds, EachAlgorithmGetsItsBounds) {
  const QuadraticProblem single(sim_test::quadratic_options(1));
  const QuadraticProblem problem(sim_test::quadratic_options(8));
  EXPECT_EQ(names(run_and_bound(single, AlgorithmKind::kSgd, 32, 0.05, 1).bounds),
            std::vector<std::string>{"sgd"});
  EXPECT_EQ(names(run_and_bound(problem, AlgorithmKind::kAllreduceSgd, 32, 0.05, 1).bounds),
            std::vector<std::string>{"allreduce_sgd"});
  const Finished dpsgd = run_and_bound(problem, AlgorithmKind::kDpsgd, 32, 0.05, 1, ring_gossip);
  EXPECT_EQ(names(dpsgd.bounds), (std::vector<std::string>{"dpsgd_theorem", "dpsgd_corollary"}));
  // ρ = SLEM² of the 1/3 ring of 8: λ_2 = (1 + 2cos(π/4))/3.
  const double lambda_2 = (1.0 + 2.0 * std::cos(std::acos(-1.0) / 4.0)) / 3.0;
  EXPECT_NEAR(dpsgd.bounds.rho, lambda_2 * lambda_2, 1e-12);
  const Finished adpsgd = run_and_bound(problem, AlgorithmKind::kAdpsgd, 64, 0.05, 1,
                                        [](RunSetup& s) { s.graph = ring(8); });
  EXPECT_EQ(names(adpsgd.bounds), (std::vector<std::string>{"adpsgd_theorem", "adpsgd_corollary"}));
  EXPECT_GE(adpsgd.bounds.staleness_bound, 0);
  const Finished apsgd = run_and_bound(problem, AlgorithmKind::kApsgd, 64, 0.05, 1);
  EXPECT_EQ(names(apsgd.bounds), std::vector<std::string>{"apsgd"});
  EXPECT_GE(apsgd.bounds.staleness_bound, 1);  // 8 workers in flight: some update is stale
  EXPECT_EQ(names(run_and_bound(problem, AlgorithmKind::kLocalSgd, 32, 0.05, 1,
                                [](RunSetup& s) { s.algorithm.period = 4; })
                      .bounds),
            std::vector<std::string>{"local_sgd"});
  EXPECT_EQ(
      names(run_and_bound(problem, AlgorithmKind::kHsgd, 32, 0.05, 1, two_level).bounds),
      (std::vector<std::string>{"hsgd_two_level", "sandwich_local_sgd_2", "sandwich_local_sgd_8",
                                "sandwich_hsgd_random_grouping", "hsgd_rate_corollary"}));
  EXPECT_EQ(
      names(run_and_bound(problem, AlgorithmKind::kHsgd, 32, 0.05, 1, three_level).bounds),
      (std::vector<std::string>{"hsgd_multilevel", "sandwich_local_sgd_2", "sandwich_local_sgd_4",
                                "sandwich_local_sgd_8", "sandwich_hsgd_random_grouping"}));
}

TEST(RunBounds, CurvesFollowTheCheckpointsAndCorollariesCheckTheStep) {
  const QuadraticProblem problem(sim_test::quadratic_options(8));
  // η = 0.005 satisfies D-PSGD's D_2 > 0, which needs η < (1 − √ρ)/(√(18n)·L) ≈ 0.008 here.
  const Finished run = run_and_bound(problem, AlgorithmKind::kDpsgd, 40, 0.005, 2, ring_gossip);
  EXPECT_EQ(run.bounds.checkpoints, (std::vector<std::int64_t>{8, 16, 24, 32, 40}));
  const RunBound& theorem = run.bounds.bounds[0];
  ASSERT_EQ(theorem.curve.size(), 5U);
  EXPECT_EQ(theorem.curve.back(), theorem.bound.value);
  EXPECT_EQ(theorem.bound.iterations, 40);
  for (std::size_t i = 1; i < theorem.curve.size(); ++i) {
    EXPECT_LT(theorem.curve[i], theorem.curve[i - 1]);  // 1/K term at a fixed step
  }
  EXPECT_EQ(theorem.measured, run.result.trace.back().running_avg_grad_norm_sq);
  EXPECT_DOUBLE_EQ(theorem.tightness, theorem.bound.value / theorem.measured);
  const RunBound& corollary = run.bounds.bounds[1];
  EXPECT_TRUE(corollary.curve.empty());
  // The run's step 0.005 is not the corollary's: the same-step condition fails and says so.
  EXPECT_EQ(corollary.bound.conditions.back().rule, "|eta_run / eta_corollary - 1| <= 1e-9");
  EXPECT_FALSE(corollary.bound.conditions.back().holds);
}

TEST(RunBounds, NonConstantStepOrUnmeasuredNoiseGiveANoteInsteadOfBounds) {
  const QuadraticProblem problem(sim_test::quadratic_options(4));
  const Finished decaying =
      run_and_bound(problem, AlgorithmKind::kAllreduceSgd, 16, 0.05, 3,
                    [](RunSetup& s) { s.algorithm.step = sim_test::decaying_step(); });
  EXPECT_TRUE(decaying.bounds.bounds.empty());
  EXPECT_NE(decaying.bounds.note.find("constant step"), std::string::npos);
}

/// Issue 6 item 6: with exact constants (L, σ², f* of `quadratic` and `nonconvex_separable`),
/// the measured R(K) of every configuration swept here stays below each theorem whose
/// conditions hold, at every checkpoint. The bounds are on E[R(K)] and a single run's R(K)
/// fluctuates around it, so R is averaged over 4 seeds; the bounds are loose by a factor
/// (tightness) far larger than that fluctuation in every configuration, which the test
/// prints. A violation is a finding to report, not a tolerance to loosen.
TEST(RunBounds, MeasuredRStaysBelowEveryApplicableTheorem) {
  const QuadraticProblem quadratic(sim_test::quadratic_options(8));
  const NonconvexSeparableProblem nonconvex(sim_test::nonconvex_options(8));
  const QuadraticProblem single(sim_test::quadratic_options(1));
  struct Configuration {
    std::string label;
    const Problem* problem;
    AlgorithmKind kind;
    std::function<void(RunSetup&)> adjust;
  };
  std::vector<Configuration> configurations;
  for (const Problem* problem : std::vector<const Problem*>{&quadratic, &nonconvex}) {
    const std::string name(problem->name());
    configurations.push_back({name + " allreduce_sgd", problem, AlgorithmKind::kAllreduceSgd, {}});
    configurations.push_back({name + " dpsgd ring", problem, AlgorithmKind::kDpsgd, ring_gossip});
    configurations.push_back({name + " local_sgd P=4", problem, AlgorithmKind::kLocalSgd,
                              [](RunSetup& s) { s.algorithm.period = 4; }});
    configurations.push_back({name + " hsgd I=2 G=8", problem, AlgorithmKind::kHsgd, two_level});
    configurations.push_back({name + " hsgd 3 levels", problem, AlgorithmKind::kHsgd, three_level});
  }
  configurations.push_back({"quadratic sgd", &single, AlgorithmKind::kSgd, {}});
  constexpr int kSeeds = 4;
  int theorems_checked = 0;
  for (const Configuration& configuration : configurations) {
    // 0.005 satisfies D-PSGD's conditions (ring of 8, L = 2); 0.1 breaks H-SGD's κ < 1.
    for (const double step : {0.005, 0.02, 0.1}) {
      std::vector<Finished> runs;
      for (int seed = 0; seed < kSeeds; ++seed) {
        runs.push_back(run_and_bound(*configuration.problem, configuration.kind, 200, step,
                                     static_cast<std::uint64_t>(100 + seed), configuration.adjust));
      }
      const RunBounds& bounds = runs.front().bounds;
      ASSERT_TRUE(bounds.note.empty()) << configuration.label << ": " << bounds.note;
      for (std::size_t b = 0; b < bounds.bounds.size(); ++b) {
        const RunBound& reference = bounds.bounds[b];
        if (reference.curve.empty() || reference.reference || !reference.bound.conditions_hold()) {
          continue;
        }
        for (std::size_t c = 0; c < bounds.checkpoints.size(); ++c) {
          double mean_r = 0.0;
          double bound_value = 0.0;
          for (const Finished& run : runs) {
            mean_r += run.result.trace[c + 1].running_avg_grad_norm_sq / kSeeds;
            // Divergence averages differ slightly between seeds: use each run's own bound.
            bound_value += run.bounds.bounds[b].curve[c] / kSeeds;
          }
          EXPECT_LE(mean_r, bound_value)
              << configuration.label << ", eta " << step << ", " << reference.bound.name
              << " at K = " << bounds.checkpoints[c];
        }
        ++theorems_checked;
        std::cout << configuration.label << ", eta " << step << ": " << reference.bound.name
                  << " tightness " << reference.tightness << '\n';
      }
    }
  }
  // Most configurations satisfy their conditions at these steps: the test checks something.
  EXPECT_GE(theorems_checked, 30);
}

}  // namespace
}  // namespace dsgdlab

namespace dsgdlab {
namespace {

/// Issue 6 item 6 for AD-PSGD: at the corollary's step for K, with every constant exact
/// (shared curvature makes ζ² exact), the theorem's conditions hold and the seed-mean R(K)
/// stays below both the theorem and the corollary.
TEST(RunBounds, AdpsgdAtItsCorollaryStepStaysBelowItsBounds) {
  QuadraticOptions options = sim_test::quadratic_options(4);
  options.curvature_sharing = CurvatureSharing::kShared;
  const QuadraticProblem problem(options);
  ASSERT_TRUE(problem.heterogeneity().has_value());
  const BoundConstants constants{
      .smoothness = problem.smoothness()->value,
      .noise_variance = problem.noise_variance()->value,
      .heterogeneity = problem.heterogeneity()->value,
      .initial_gap = problem.loss(problem.initial_point()) - problem.optimum_value()->value,
      .num_workers = 4,
      .batch_size = 2,
      .estimated = {}};
  constexpr std::int64_t kIterations = 400'000;
  const double step = adpsgd_corollary_step(constants, kIterations);
  constexpr int kSeeds = 4;
  double mean_r = 0.0;
  std::vector<Finished> runs;
  for (int seed = 0; seed < kSeeds; ++seed) {
    runs.push_back(run_and_bound(problem, AlgorithmKind::kAdpsgd, kIterations, step,
                                 static_cast<std::uint64_t>(200 + seed), [](RunSetup& s) {
                                   s.graph = complete(4);
                                   s.run.probe.every_iterations = 50'000;
                                 }));
    mean_r += runs.back().result.trace.back().running_avg_grad_norm_sq / kSeeds;
  }
  for (const Finished& run : runs) {
    ASSERT_EQ(run.bounds.bounds.size(), 2U);
    const Bound& theorem = run.bounds.bounds[0].bound;
    const Bound& corollary = run.bounds.bounds[1].bound;
    std::cout << "T = " << run.bounds.staleness_bound << ", rho = " << run.bounds.rho
              << ", theorem " << theorem.value << " (conditions "
              << (theorem.conditions_hold() ? "hold" : "fail") << "), corollary " << corollary.value
              << ", measured " << run.bounds.bounds[0].measured << '\n';
    for (const BoundCondition& condition : corollary.conditions) {
      EXPECT_TRUE(condition.holds) << condition.rule << ": " << condition.value;
    }
    EXPECT_LE(mean_r, theorem.value);
    EXPECT_LE(mean_r, corollary.value);
  }
}

}  // namespace
}  // namespace dsgdlab
