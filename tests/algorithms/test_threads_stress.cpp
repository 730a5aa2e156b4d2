// The `threads` engine under load and under failure (threads_engine.hpp): 64 workers on 2
// cores finish every algorithm without deadlock (each run under a watchdog that aborts the
// test instead of hanging), lose no update under lock contention, and an exception thrown in a
// worker (or in a probe) stops the run and is rethrown by run_threads after every thread has
// joined.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "sim_test_support.hpp"
#include "threads_test_support.hpp"

namespace dsgdlab {
namespace {

using namespace sim_test;
using namespace threads_test;

constexpr int kManyWorkers = 64;
constexpr std::int64_t kAsyncIterations = 20000;

/// An asynchronous stress setup with 64 workers: exponential compute factors (so threads
/// sleep now and then and the schedule mixes), a row every 500 updates and every 2 ms of wall
/// time (each probe takes all 64 locks while the workers run).
RunSetup stress_setup(const Problem& problem, AlgorithmKind kind) {
  RunSetup setup = base_setup(problem, kind, kAsyncIterations);
  setup.algorithm.step = StepSchedule{.kind = StepScheduleKind::kConstant, .initial = 0.02};
  setup.run.probe.every_iterations = 500;
  setup.run.probe.every_virtual_time_s = 0.002;
  setup.cost.compute_distribution = ComputeTimeDistribution::kExponential;
  return setup;
}

TEST(ThreadsStress, AdpsgdWith64WorkersFinishesOnEveryGraphAndPairing) {
  const QuadraticProblem problem(quadratic_options(kManyWorkers, 16));
  struct Case {
    std::string name;
    Graph graph;
    PairingMode pairing;
  };
  const std::vector<Case> cases = {
      {"ring, random pairing", ring(kManyWorkers), PairingMode::kRandom},
      {"ring, bipartite pairing", ring(kManyWorkers), PairingMode::kBipartite},
      {"bipartite_exponential, random pairing", bipartite_exponential(kManyWorkers),
       PairingMode::kRandom},
      {"bipartite_exponential, bipartite pairing", bipartite_exponential(kManyWorkers),
       PairingMode::kBipartite},
  };
  for (const Case& entry : cases) {
    RunSetup setup = stress_setup(problem, AlgorithmKind::kAdpsgd);
    setup.graph = entry.graph;
    setup.algorithm.pairing = entry.pairing;
    const std::string note = "adpsgd, 64 workers, " + entry.name;
    const RunResult result = run_and_check_shape(setup, note);
    ASSERT_TRUE(result.status.is_ok()) << note << ": " << result.status.to_string();
    expect_async_counters(setup, result, note, false);
  }
}

TEST(ThreadsStress, ApsgdWith64WorkersFinishes) {
  const QuadraticProblem problem(quadratic_options(kManyWorkers, 16));
  const RunSetup setup = stress_setup(problem, AlgorithmKind::kApsgd);
  const RunResult result = run_and_check_shape(setup, "apsgd, 64 workers");
  ASSERT_TRUE(result.status.is_ok()) << result.status.to_string();
  expect_async_counters(setup, result, "apsgd, 64 workers");
}

/// 64 threads meeting at a barrier every round (a few hundred rounds): no deadlock, and still
/// sim's bits.
TEST(ThreadsStress, SynchronousAlgorithmsWith64WorkersFinishAndEqualSim) {
  const NonconvexSeparableProblem problem(nonconvex_options(kManyWorkers, 8));
  std::vector<std::pair<std::string, RunSetup>> setups;
  setups.emplace_back("allreduce_sgd", base_setup(problem, AlgorithmKind::kAllreduceSgd, 300));
  RunSetup dpsgd = base_setup(problem, AlgorithmKind::kDpsgd, 300);
  dpsgd.graph = bipartite_exponential(kManyWorkers);
  dpsgd.mixing = mixing_matrix(*dpsgd.graph, MixingRule::kMetropolisHastings);
  setups.emplace_back("dpsgd", dpsgd);
  RunSetup hsgd = base_setup(problem, AlgorithmKind::kHsgd, 300);
  hsgd.algorithm.level_periods = {2, 6, 12};
  hsgd.grouping = nested_grouping(kManyWorkers, {4, 16}, false, nullptr);
  setups.emplace_back("hsgd(2|6|12)", hsgd);
  for (auto& [name, setup] : setups) {
    setup.run.probe.every_iterations = 25;
    setup.cost.compute_distribution = ComputeTimeDistribution::kExponential;
    const std::string note = name + ", 64 workers";
    const RunResult threaded = run_and_check_shape(setup, note);
    const RunResult sim = run_simulation(setup);
    ASSERT_TRUE(threaded.status.is_ok()) << note << ": " << threaded.status.to_string();
    expect_bitwise_equal(threaded.final_models, sim.final_models, note);
    expect_same_trace(threaded.trace, sim.trace, note);
  }
}

/// ∇F(x; ξ) = 1 (every coordinate) whatever x and ξ: f_i(x) = Σ_j x_j. Every update subtracts
/// exactly η from every coordinate of one model, and a pairwise average keeps the sum of the
/// two models, so after K updates Σ_i x_i = n·x_0 − K·η·1 whatever the schedule, and for
/// A-PSGD the server holds x_0 − K·η·1. An update lost to a race (two workers writing one
/// model without holding its lock, an average read half-written) moves these sums by η.
class ConstantGradientProblem final : public Problem {
 public:
  ConstantGradientProblem(Index dim, int num_workers) : dim_(dim), num_workers_(num_workers) {}

  std::string_view name() const override { return "constant_gradient"; }
  Index dim() const override { return dim_; }
  int num_workers() const override { return num_workers_; }
  double local_loss(int /*worker*/, ConstVectorRef x) const override { return x.sum(); }
  void local_gradient(int /*worker*/, ConstVectorRef /*x*/, VectorRef out) const override {
    out.setOnes();
  }
  void stochastic_gradient(int /*worker*/, ConstVectorRef /*x*/, int /*batch_size*/,
                           RandomStream& /*rng*/, VectorRef out) const override {
    out.setOnes();
  }
  void sample_gradient(int /*worker*/, ConstVectorRef /*x*/, RandomStream& /*rng*/,
                       VectorRef out) const override {
    out.setOnes();
  }
  std::string describe() const override { return "constant_gradient"; }

 private:
  Index dim_;
  int num_workers_;
};

// K = 1e5 updates of η = 0.5: every model stays below K·η = 5e4 in magnitude, so an average
// (a + b)/2 changes the pair's sum by at most ulp(1e5) ≈ 1.5e-11 and a step x − η rounds by at
// most ulp(5e4)/2: ≤ 3e-6 in all, far below the η = 0.5 a lost update would move the sum by.
// (A-PSGD's steps are exact: multiples of 0.5 below 2^53.)
constexpr std::int64_t kContentionIterations = 100000;
constexpr double kLostUpdateTolerance = 1e-4;

TEST(ThreadsStress, NoUpdateIsLostUnderContention) {
  const ConstantGradientProblem problem(4, kManyWorkers);
  const double step = 0.5;
  const double expected_sum = -static_cast<double>(kContentionIterations) * step;
  for (const std::string& variant :
       {std::string("adpsgd random"), std::string("adpsgd bipartite"), std::string("apsgd")}) {
    RunSetup setup =
        stress_setup(problem, variant == "apsgd" ? AlgorithmKind::kApsgd : AlgorithmKind::kAdpsgd);
    setup.algorithm.step.initial = step;
    setup.run.iterations = kContentionIterations;
    setup.run.probe.every_iterations = 5000;
    setup.cost.compute_distribution = ComputeTimeDistribution::kConstant;  // full contention
    if (variant != "apsgd") setup.graph = bipartite_exponential(kManyWorkers);
    if (variant == "adpsgd bipartite") setup.algorithm.pairing = PairingMode::kBipartite;
    const std::string note = variant + ", constant gradient, 64 workers";
    const RunResult result = run_and_check_shape(setup, note);
    ASSERT_TRUE(result.status.is_ok()) << note << ": " << result.status.to_string();
    expect_async_counters(setup, result, note, false);
    if (variant == "apsgd") {
      for (Index r = 0; r < result.final_models.rows(); ++r) {
        EXPECT_EQ(result.final_models(r, 0), expected_sum) << note << ", coordinate " << r;
      }
    } else {
      for (Index r = 0; r < result.final_models.rows(); ++r) {
        EXPECT_NEAR(result.final_models.row(r).sum(), expected_sum, kLostUpdateTolerance)
            << note << ", coordinate " << r;
      }
    }
  }
}

/// The quadratic of the sim tests with one injected failure: the `at_call`-th call (counted
/// over all threads) of stochastic_gradient by `failing_worker`, or of local_gradient (which
/// the probes' full gradients call) by anyone, throws std::runtime_error.
class FailingProblem final : public Problem {
 public:
  enum class Where { kStochasticGradient, kProbe };

  FailingProblem(int num_workers, Where where, int failing_worker, std::int64_t at_call)
      : inner_(quadratic_options(num_workers, 8)),
        where_(where),
        failing_worker_(failing_worker),
        at_call_(at_call) {}

  static std::string message(Where where) {
    return where == Where::kProbe ? "injected failure in a probe"
                                  : "injected failure: worker 3, call 50";
  }

  std::string_view name() const override { return "failing"; }
  Index dim() const override { return inner_.dim(); }
  int num_workers() const override { return inner_.num_workers(); }
  double local_loss(int worker, ConstVectorRef x) const override {
    return inner_.local_loss(worker, x);
  }
  void local_gradient(int worker, ConstVectorRef x, VectorRef out) const override {
    if (where_ == Where::kProbe && calls_.fetch_add(1) + 1 == at_call_) {
      throw std::runtime_error(message(where_));
    }
    inner_.local_gradient(worker, x, out);
  }
  void stochastic_gradient(int worker, ConstVectorRef x, int batch_size, RandomStream& rng,
                           VectorRef out) const override {
    if (where_ == Where::kStochasticGradient && worker == failing_worker_ &&
        calls_.fetch_add(1) + 1 == at_call_) {
      throw std::runtime_error(message(where_));
    }
    inner_.stochastic_gradient(worker, x, batch_size, rng, out);
  }
  void sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                       VectorRef out) const override {
    inner_.sample_gradient(worker, x, rng, out);
  }
  std::string describe() const override { return "failing quadratic"; }

 private:
  QuadraticProblem inner_;
  Where where_;
  int failing_worker_;
  std::int64_t at_call_;
  mutable std::atomic<std::int64_t> calls_{0};
};

constexpr int kFailingWorkers = 6;

/// Every algorithm that can run with 6 workers, configured to run far longer than the failure
/// point (so a run that ignored the failure would show as a missing exception, and one that
/// hung, as a watchdog abort).
std::vector<std::pair<std::string, RunSetup>> failure_setups(const Problem& problem) {
  std::vector<std::pair<std::string, RunSetup>> setups;
  setups.emplace_back("allreduce_sgd", base_setup(problem, AlgorithmKind::kAllreduceSgd, 5000));
  RunSetup dpsgd = base_setup(problem, AlgorithmKind::kDpsgd, 5000);
  dpsgd.graph = ring(kFailingWorkers);
  dpsgd.mixing = mixing_matrix(*dpsgd.graph, MixingRule::kMetropolisHastings);
  setups.emplace_back("dpsgd", dpsgd);
  RunSetup hsgd = base_setup(problem, AlgorithmKind::kHsgd, 5000);
  hsgd.algorithm.local_period = 2;
  hsgd.algorithm.global_period = 4;
  hsgd.grouping = from_two_level(contiguous_grouping(kFailingWorkers, 2));
  setups.emplace_back("hsgd", hsgd);
  for (PairingMode pairing : {PairingMode::kRandom, PairingMode::kBipartite}) {
    RunSetup adpsgd = base_setup(problem, AlgorithmKind::kAdpsgd, 1'000'000);
    adpsgd.graph = bipartite_exponential(kFailingWorkers);  // worker 3 is passive (odd)
    adpsgd.algorithm.pairing = pairing;
    setups.emplace_back(std::string("adpsgd ") + std::string(to_string(pairing)), adpsgd);
  }
  setups.emplace_back("apsgd", base_setup(problem, AlgorithmKind::kApsgd, 1'000'000));
  for (auto& entry : setups) {
    entry.second.algorithm.step =
        StepSchedule{.kind = StepScheduleKind::kConstant, .initial = 0.01};
    entry.second.run.probe.every_iterations = 10;
  }
  return setups;
}

/// Runs `setup` (watched) and expects exactly the injected std::runtime_error.
void expect_rethrown(const RunSetup& setup, const std::string& expected_message,
                     const std::string& what) {
  try {
    run_threads_watched(setup, what);
    ADD_FAILURE() << what << ": run_threads returned instead of rethrowing the worker's error";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()), expected_message) << what;
  }
}

TEST(ThreadsFailure, WorkerExceptionIsRethrownAfterJoin) {
  const FailingProblem layout(kFailingWorkers, FailingProblem::Where::kStochasticGradient, 3, 50);
  for (const auto& [name, setup_template] : failure_setups(layout)) {
    // A fresh problem per run: its call counter starts at 0.
    const FailingProblem problem(kFailingWorkers, FailingProblem::Where::kStochasticGradient, 3,
                                 50);
    RunSetup setup = setup_template;
    setup.problem = &problem;
    expect_rethrown(setup, FailingProblem::message(FailingProblem::Where::kStochasticGradient),
                    name + ", worker 3 throws at its 50th gradient");
  }
}

/// The failure inside a probe: for synchronous algorithms in the barrier's completion step,
/// for asynchronous ones in whichever worker probes. Each full gradient makes 6 local_gradient
/// calls; call 61 falls in the 11th measurement, after row 0 and well inside the run.
TEST(ThreadsFailure, ProbeExceptionIsRethrownAfterJoin) {
  const FailingProblem layout(kFailingWorkers, FailingProblem::Where::kProbe, 0, 61);
  for (const auto& [name, setup_template] : failure_setups(layout)) {
    const FailingProblem problem(kFailingWorkers, FailingProblem::Where::kProbe, 0, 61);
    RunSetup setup = setup_template;
    setup.problem = &problem;
    expect_rethrown(setup, FailingProblem::message(FailingProblem::Where::kProbe),
                    name + ", a probe throws");
  }
}

}  // namespace
}  // namespace dsgdlab
