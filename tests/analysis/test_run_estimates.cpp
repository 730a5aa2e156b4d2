#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "../algorithms/sim_test_support.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/analysis/run_estimates.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

using sim_test::base_setup;
using sim_test::quadratic_options;

RandomStream estimation_stream() {
  return RandomStream(StreamKey{.seed = 9, .purpose = StreamPurpose::kEstimation});
}

/// The quadratic with every constant hidden, so that each must be estimated.
class HiddenConstants final : public Problem {
 public:
  explicit HiddenConstants(const QuadraticProblem& inner) : inner_(inner) {}
  std::string_view name() const override { return "hidden_quadratic"; }
  Index dim() const override { return inner_.dim(); }
  int num_workers() const override { return inner_.num_workers(); }
  double local_loss(int worker, ConstVectorRef x) const override {
    return inner_.local_loss(worker, x);
  }
  void local_gradient(int worker, ConstVectorRef x, VectorRef out) const override {
    inner_.local_gradient(worker, x, out);
  }
  void stochastic_gradient(int worker, ConstVectorRef x, int batch_size, RandomStream& rng,
                           VectorRef out) const override {
    inner_.stochastic_gradient(worker, x, batch_size, rng, out);
  }
  void sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                       VectorRef out) const override {
    inner_.sample_gradient(worker, x, rng, out);
  }
  std::string describe() const override { return "quadratic with hidden constants"; }

 private:
  const QuadraticProblem& inner_;
};

struct Finished {
  RunSetup setup;
  std::shared_ptr<TrajectoryProbe> probe;
  RunResult result;
};

Finished run_with_probe(const Problem& problem, AlgorithmKind kind, std::int64_t iterations,
                        const std::function<void(RunSetup&)>& adjust = {}) {
  Finished finished;
  finished.setup = base_setup(problem, kind, iterations);
  finished.setup.algorithm.step = StepSchedule{.initial = 0.05};
  if (adjust) adjust(finished.setup);
  std::vector<double> weights;
  if (is_asynchronous(kind)) {
    weights = nominal_update_probabilities(finished.setup.cost, problem.num_workers());
  }
  finished.probe =
      std::make_shared<TrajectoryProbe>(problem, std::nullopt, weights, estimation_stream());
  finished.setup.checkpoint_probe = finished.probe;
  finished.result = run_simulation(finished.setup);
  return finished;
}

RunEstimates estimate(const Finished& run, const EstimatorOptions& options = {}) {
  return estimate_run(run.setup, run.result, run.setup.problem->initial_point(), run.probe.get(),
                      options);
}

TEST(RunEstimates, ExactConstantsOfTheQuadraticAreReportedAsExact) {
  const QuadraticProblem problem(quadratic_options(8));
  const Finished run = run_with_probe(problem, AlgorithmKind::kLocalSgd, 40,
                                      [](RunSetup& s) { s.algorithm.period = 4; });
  const RunEstimates estimates = estimate(run);
  EXPECT_EQ(estimates.smoothness.source, ConstantSource::kExact);
  EXPECT_EQ(estimates.smoothness.value, problem.smoothness()->value);
  EXPECT_EQ(estimates.optimum_value.source, ConstantSource::kExact);
  EXPECT_EQ(estimates.noise_variance.source, ConstantSource::kExact);
  EXPECT_EQ(estimates.noise_variance.value, 1.0);
  const double f0 = problem.loss(problem.initial_point());
  EXPECT_EQ(estimates.initial_loss, f0);
  EXPECT_EQ(estimates.initial_gap.source, ConstantSource::kExact);
  EXPECT_EQ(estimates.initial_gap.value, f0 - problem.optimum_value()->value);
  // Per-worker curvatures: ζ²(x) is unbounded in x, so the problem cannot state it and the
  // trajectory maximum is reported, tagged estimated.
  ASSERT_FALSE(problem.heterogeneity().has_value());
  EXPECT_EQ(estimates.heterogeneity.source, ConstantSource::kEstimated);
  ASSERT_FALSE(estimates.trajectory.empty());
  EXPECT_EQ(estimates.trajectory[0].column, "heterogeneity");
  EXPECT_EQ(estimates.heterogeneity.value, estimates.trajectory[0].max);
  EXPECT_EQ(estimates.trajectory[0].points, 41);
  // σ² measured beside the exact value: 41 rows × 8 workers × 4 samples, mean 1.
  EXPECT_EQ(estimates.noise_variance_count, 41 * 8);
  // 2.5 Student-t 95% half-widths ≈ 4.9 standard errors: a miss has probability < 1e-6.
  EXPECT_NEAR(estimates.noise_variance_mean, 1.0, 2.5 * estimates.noise_variance_mean_ci95);
  EXPECT_GE(estimates.noise_variance_max, estimates.noise_variance_mean);
  EXPECT_TRUE(estimates.spectra.empty());  // local SGD has no gossip matrix
}

TEST(RunEstimates, HiddenConstantsAreEstimatedAndTagged) {
  const QuadraticProblem inner(quadratic_options(4));
  const HiddenConstants problem(inner);
  const Finished run = run_with_probe(problem, AlgorithmKind::kAllreduceSgd, 60);
  const RunEstimates estimates = estimate(run);

  const double exact_l = inner.smoothness()->value;
  EXPECT_EQ(estimates.smoothness.source, ConstantSource::kEstimated);
  EXPECT_NE(estimates.smoothness.method.find("lower bound"), std::string::npos)
      << estimates.smoothness.method;
  // A quadratic's Hessian is constant, so power iteration on exact finite differences finds L
  // up to its convergence (50 iterations) and O(h²)=0 truncation: 1e-3 relative is loose.
  EXPECT_NEAR(estimates.smoothness.value, exact_l, 1e-3 * exact_l);
  EXPECT_LE(estimates.smoothness.value, exact_l * (1.0 + 1e-9));

  const double exact_f = inner.optimum_value()->value;
  EXPECT_EQ(estimates.optimum_value.source, ConstantSource::kEstimated);
  // Gradient descent on a strongly convex quadratic converges linearly; 2000 steps reach f*
  // to rounding. The estimate can never be below f* (it is a value f attains).
  EXPECT_GE(estimates.optimum_value.value, exact_f - 1e-12 * std::abs(exact_f) - 1e-14);
  EXPECT_NEAR(estimates.optimum_value.value, exact_f, 1e-9 * std::max(1.0, std::abs(exact_f)));
  EXPECT_EQ(estimates.initial_gap.source, ConstantSource::kEstimated);
  EXPECT_EQ(estimates.noise_variance.source, ConstantSource::kEstimated);
  EXPECT_EQ(estimates.noise_variance.value, estimates.noise_variance_max);
}

TEST(RunEstimates, NominalProbabilitiesFollowTheSlowdowns) {
  CostModelOptions cost;
  cost.slow_workers = {{.worker = 2, .factor = 10.0}};
  const std::vector<double> p = nominal_update_probabilities(cost, 4);
  ASSERT_EQ(p.size(), 4u);
  const double total = 3.0 + 0.1;
  EXPECT_DOUBLE_EQ(p[0], 1.0 / total);
  EXPECT_DOUBLE_EQ(p[2], 0.1 / total);
  EXPECT_DOUBLE_EQ(p[0] + p[1] + p[2] + p[3], 1.0);
}

TEST(RunEstimates, DpsgdReportsTheSpectrumOfW) {
  const QuadraticProblem problem(quadratic_options(8));
  const Finished run = run_with_probe(problem, AlgorithmKind::kDpsgd, 10, [](RunSetup& s) {
    s.graph = ring(8);
    s.mixing = mixing_matrix(*s.graph, MixingRule::kUniform);
  });
  const RunEstimates estimates = estimate(run);
  ASSERT_EQ(estimates.spectra.size(), 1u);
  const SpectrumEstimate& w = estimates.spectra[0];
  EXPECT_EQ(w.matrix, "W");
  // Ring, W_ii = W_{i,i±1} = 1/3: λ_2 = (1 + 2cos(2π/8))/3, λ_n = (1 + 2cos(π))/3 = −1/3.
  const double lambda_2 = (1.0 + 2.0 * std::cos(2.0 * std::numbers::pi / 8.0)) / 3.0;
  EXPECT_NEAR(w.spectrum.slem, lambda_2, 1e-12);
  EXPECT_DOUBLE_EQ(w.rho, w.spectrum.slem * w.spectrum.slem);
  EXPECT_TRUE(std::isnan(w.rho_bar));
}

TEST(RunEstimates, AdpsgdMeasuredSpectrumApproachesTheNominalOne) {
  // Ring of 8, uniform initiator: every iteration averages one of the 8 edges, each with
  // π = 1/8. After K = 16000 updates an edge's count is Binomial(16000, 1/8): mean 2000, sd
  // 42 (2%). 1 − ρ = ½ μ_2(L_π), and L_π̂ lies between (min_e π̂_e/π_e)·L_π and
  // (max_e π̂_e/π_e)·L_π in the Loewner order, so the relative error of 1 − ρ is at most the
  // largest relative count error; the 15% tolerance is 7 sd (P < 1e-11 per edge).
  const QuadraticProblem problem(quadratic_options(8));
  const Finished run = run_with_probe(problem, AlgorithmKind::kAdpsgd, 16000, [](RunSetup& s) {
    s.graph = ring(8);
    s.run.probe.every_iterations = 1000;
  });
  const RunEstimates estimates = estimate(run);
  ASSERT_EQ(estimates.spectra.size(), 2u);
  const SpectrumEstimate& nominal = estimates.spectra[0];
  const SpectrumEstimate& measured = estimates.spectra[1];
  EXPECT_EQ(nominal.matrix, "E[W] nominal");
  EXPECT_EQ(measured.matrix, "E[W] measured");
  // theory.md §4: ρ = 1 − (1 − cos(2π/n))/n for the uniform ring.
  EXPECT_NEAR(nominal.rho, 1.0 - (1.0 - std::cos(2.0 * std::numbers::pi / 8.0)) / 8.0, 1e-12);
  EXPECT_NEAR(1.0 - measured.rho, 1.0 - nominal.rho, 0.15 * (1.0 - nominal.rho));
  EXPECT_DOUBLE_EQ(nominal.rho_bar, adpsgd_rho_bar(nominal.rho, 8));
}

TEST(RunEstimates, BadOptionsAreInputErrors) {
  const QuadraticProblem problem(quadratic_options(2));
  const Finished run = run_with_probe(problem, AlgorithmKind::kAllreduceSgd, 2);
  EstimatorOptions options;
  options.smoothness.power_iterations = 0;
  EXPECT_THROW(estimate(run, options), InputError);
}

}  // namespace
}  // namespace dsgdlab
