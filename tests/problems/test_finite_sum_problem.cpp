#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/finite_sum_problem.hpp"
#include "dsgdlab/problems/gradient_check.hpp"
#include "dsgdlab/problems/logistic_nonconvex.hpp"
#include "dsgdlab/problems/mlp.hpp"
#include "dsgdlab/problems/robust_regression.hpp"

namespace dsgdlab {
namespace {

// ---------------------------------------------------------------------------------------------
// Fixtures: a small labelled data set with targets, built here (not with the data generators).

constexpr Index kFeatures = 6;
constexpr int kClasses = 3;
const std::vector<Index> kWorkerSizes{12, 20, 16};  // unequal n_i on purpose

/// Gaussian features, labels argmax_k (w_kᵀa) of a random linear rule, targets
/// t = vᵀa + 0.1·noise. Samples are assigned to workers in contiguous blocks.
std::shared_ptr<const Dataset> make_dataset(std::uint64_t seed) {
  RandomStream rng(seed);
  Index total = 0;
  for (Index n : kWorkerSizes) total += n;
  auto data = std::make_shared<Dataset>();
  data->num_classes = kClasses;
  data->features.resize(kFeatures, total);
  rng.fill_normal(Eigen::Map<Vector>(data->features.data(), data->features.size()));
  Matrix rule(kClasses, kFeatures);
  rng.fill_normal(Eigen::Map<Vector>(rule.data(), rule.size()));
  Vector truth(kFeatures);
  rng.fill_normal(truth);
  data->targets.resize(total);
  for (Index s = 0; s < total; ++s) {
    const Vector scores = rule * data->features.col(s);
    int best = 0;
    for (int k = 1; k < static_cast<int>(scores.size()); ++k)
      if (scores[k] > scores[best]) best = k;
    data->labels.push_back(best);
    data->targets[s] = truth.dot(data->features.col(s)) + 0.1 * rng.normal();
  }
  return data;
}

Partition contiguous_partition(const std::vector<Index>& sizes) {
  Partition partition;
  Index next = 0;
  for (Index n : sizes) {
    std::vector<Index> samples;
    for (Index k = 0; k < n; ++k) samples.push_back(next++);
    partition.worker_samples.push_back(samples);
  }
  return partition;
}

/// A problem written only for this test: ℓ_s = ½(a_sᵀx − t_s)², r = (μ/2)‖x‖². It checks the
/// base class independently of the zoo's problems.
class RidgeToyProblem final : public FiniteSumProblem {
 public:
  static constexpr double kRidge = 0.3;
  using FiniteSumProblem::FiniteSumProblem;
  std::string_view name() const override { return "ridge_toy"; }
  Index dim() const override { return dataset().num_features(); }
  std::string describe() const override { return "ridge_toy"; }

 protected:
  double sample_loss(Index s, ConstVectorRef x) const override {
    const double r = dataset().features.col(s).dot(x) - dataset().targets[s];
    return 0.5 * r * r;
  }
  void add_sample_gradient(Index s, ConstVectorRef x, double scale, VectorRef out) const override {
    const double r = dataset().features.col(s).dot(x) - dataset().targets[s];
    out += (scale * r) * dataset().features.col(s);
  }
  double regularizer(ConstVectorRef x) const override { return 0.5 * kRidge * x.squaredNorm(); }
  void add_regularizer_gradient(ConstVectorRef x, VectorRef out) const override {
    out += kRidge * x;
  }
};

using Factory =
    std::function<std::unique_ptr<FiniteSumProblem>(std::shared_ptr<const Dataset>, Partition)>;

struct ProblemCase {
  std::string name;
  Factory make;
};

void PrintTo(const ProblemCase& problem_case, std::ostream* os) { *os << problem_case.name; }

std::vector<ProblemCase> all_problems() {
  return {
      {"ridge_toy",
       [](auto data, auto partition) {
         return std::make_unique<RidgeToyProblem>(std::move(data), std::move(partition));
       }},
      {"logistic_nonconvex",
       [](auto data, auto partition) {
         return std::make_unique<LogisticNonconvexProblem>(std::move(data), std::move(partition),
                                                           LogisticNonconvexOptions{});
       }},
      {"mlp",
       [](auto data, auto partition) {
         return std::make_unique<MlpProblem>(std::move(data), std::move(partition),
                                             MlpOptions{.hidden_units = 5, .weight_decay = 0.01});
       }},
      {"robust_regression",
       [](auto data, auto partition) {
         return std::make_unique<RobustRegressionProblem>(std::move(data), std::move(partition),
                                                          RobustRegressionOptions{.scale = 0.7});
       }},
  };
}

/// A random point: the problem's initial point plus N(0, 0.5²) per coordinate.
Vector random_point(const Problem& problem, std::uint64_t seed) {
  RandomStream rng(seed);
  Vector x(problem.dim());
  rng.fill_normal(x);
  return problem.initial_point() + 0.5 * x;
}

/// Exact moments of the per-sample gradient noise X = ∇F(x; ξ) − ∇f_i(x), ξ uniform on S_i:
/// σ² = E‖X‖², κ = E‖X‖⁴, ‖Σ‖_F² with Σ = E[XXᵀ], the bound B = max‖X‖², and the mean μ.
struct NoiseMoments {
  Vector mean;
  double variance = 0.0;
  double fourth_moment = 0.0;
  double covariance_frobenius_sq = 0.0;
  double max_sq_norm = 0.0;

  /// For ḡ the mean of M i.i.d. copies: E‖ḡ − μ‖⁴ = [Mκ + M(M−1)(σ⁴ + 2‖Σ‖_F²)]/M⁴ (expand
  /// ‖Σ_m X_m‖⁴ = Σ_{abcd}⟨X_a,X_b⟩⟨X_c,X_d⟩; only the index pairings a=b=c=d, a=b≠c=d,
  /// a=c≠b=d and a=d≠b=c have non-zero mean).
  double minibatch_fourth_moment(double batch) const {
    return (batch * fourth_moment +
            batch * (batch - 1.0) * (variance * variance + 2.0 * covariance_frobenius_sq)) /
           std::pow(batch, 4.0);
  }
};

NoiseMoments noise_moments(const FiniteSumProblem& problem, int worker, ConstVectorRef x) {
  const Index n = problem.local_sample_count(worker);
  const Index d = problem.dim();
  Matrix gradients(d, n);
  for (Index k = 0; k < n; ++k) problem.local_sample_gradient(worker, k, x, gradients.col(k));
  NoiseMoments m;
  m.mean = gradients.rowwise().mean();
  const Matrix centred = gradients.colwise() - m.mean;
  const Matrix covariance = centred * centred.transpose() / static_cast<double>(n);
  for (Index k = 0; k < n; ++k) {
    const double sq = centred.col(k).squaredNorm();
    m.variance += sq / static_cast<double>(n);
    m.fourth_moment += sq * sq / static_cast<double>(n);
    m.max_sq_norm = std::max(m.max_sq_norm, sq);
  }
  m.covariance_frobenius_sq = covariance.squaredNorm();
  return m;
}

class FiniteSumContract : public ::testing::TestWithParam<ProblemCase> {
 protected:
  void SetUp() override {
    problem_ = GetParam().make(make_dataset(101), contiguous_partition(kWorkerSizes));
  }
  std::unique_ptr<FiniteSumProblem> problem_;
};

TEST_P(FiniteSumContract, PassesGradientCheckForEveryWorker) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Vector x = random_point(*problem_, seed);
    for (int i = 0; i < problem_->num_workers(); ++i) {
      const auto result = check_local_gradient(*problem_, i, x);
      EXPECT_TRUE(result.passed) << "worker " << i << ", point seed " << seed << ": "
                                 << result.brief_report();
    }
  }
}

TEST_P(FiniteSumContract, LocalGradientIsTheMeanOfSampleGradients) {
  // Both are sums of the same n_i ≤ 20 terms in different association: relative error of a
  // few ulp times n_i; 1e-12 leaves a wide margin and still catches any missing/extra term.
  constexpr double kTolerance = 1e-12;
  const Vector x = random_point(*problem_, 7);
  for (int i = 0; i < problem_->num_workers(); ++i) {
    ASSERT_EQ(problem_->local_sample_count(i), kWorkerSizes[static_cast<std::size_t>(i)]);
    Vector full(problem_->dim());
    problem_->local_gradient(i, x, full);
    const NoiseMoments moments = noise_moments(*problem_, i, x);
    EXPECT_LE((full - moments.mean).norm(), kTolerance * std::max(1.0, full.norm()))
        << "worker " << i;
  }
}

TEST_P(FiniteSumContract, StochasticGradientIsTheMeanOfTheDocumentedDraws) {
  // The documented contract: M calls of rng.uniform_index(n_i), in order, select S_i[k_m].
  constexpr double kTolerance = 1e-12;  // same terms, different association (see above)
  constexpr int kBatch = 9;
  const Vector x = random_point(*problem_, 8);
  const int worker = 1;
  const StreamKey key{.seed = 5, .worker = 1, .purpose = StreamPurpose::kSampling};
  RandomStream rng(key);
  Vector g(problem_->dim());
  problem_->stochastic_gradient(worker, x, kBatch, rng, g);

  RandomStream replay(key);
  const auto n = static_cast<std::uint64_t>(problem_->local_sample_count(worker));
  Vector expected = Vector::Zero(problem_->dim());
  Vector single(problem_->dim());
  for (int m = 0; m < kBatch; ++m) {
    problem_->local_sample_gradient(worker, static_cast<Index>(replay.uniform_index(n)), x, single);
    expected += single / kBatch;
  }
  EXPECT_LE((g - expected).norm(), kTolerance * std::max(1.0, expected.norm()));
  // Both streams consumed exactly kBatch draws.
  EXPECT_EQ(rng.next_u64(), replay.next_u64());

  // sample_gradient is one draw: exactly local_sample_gradient at rng.uniform_index(n_i).
  RandomStream one(key);
  RandomStream one_replay(key);
  problem_->sample_gradient(worker, x, one, g);
  problem_->local_sample_gradient(worker, static_cast<Index>(one_replay.uniform_index(n)), x,
                                  single);
  EXPECT_EQ(g, single);
  EXPECT_EQ(one.next_u64(), one_replay.next_u64());
}

TEST_P(FiniteSumContract, HugeMinibatchAveragesToTheLocalGradient) {
  // M = 20000·n_i draws with replacement. With X = per-sample gradient − ∇f_i and ḡ their
  // mean, Markov on ‖ḡ − ∇f_i‖⁴ gives P(‖ḡ − ∇f_i‖² ≥ t) ≤ E‖ḡ − ∇f_i‖⁴/t², and the
  // fourth moment is computed exactly from the n_i samples (NoiseMoments). With
  // t = √(E‖ḡ − ∇f_i‖⁴ / 1e-6) a correct implementation fails with probability ≤ 1e-6.
  constexpr double kFailureProbability = 1e-6;
  const Vector x = random_point(*problem_, 9);
  for (int i = 0; i < problem_->num_workers(); ++i) {
    const Index n = problem_->local_sample_count(i);
    const int batch = static_cast<int>(20000 * n);
    const NoiseMoments moments = noise_moments(*problem_, i, x);
    Vector exact(problem_->dim());
    problem_->local_gradient(i, x, exact);
    RandomStream rng(StreamKey{
        .seed = 11, .worker = static_cast<std::uint64_t>(i), .purpose = StreamPurpose::kSampling});
    Vector g(problem_->dim());
    problem_->stochastic_gradient(i, x, batch, rng, g);
    const double threshold =
        std::sqrt(moments.minibatch_fourth_moment(batch) / kFailureProbability);
    EXPECT_LE((g - exact).squaredNorm(), threshold)
        << "worker " << i << ", sigma^2 = " << moments.variance << ", M = " << batch;
    // The test has power: the threshold is a small fraction of σ² itself.
    EXPECT_LE(threshold, 0.01 * moments.variance);
  }
}

TEST_P(FiniteSumContract, MinibatchVarianceIsSigmaSquaredOverM) {
  // R = 20000 minibatches of size M = n_i/2, Y_r = ‖g_r − ∇f_i‖². E Y = σ²(x)/M exactly
  // (i.i.d. with replacement; without replacement it would be smaller by (n_i − M)/(n_i − 1),
  // about ½ here). 0 ≤ Y ≤ B = max_k ‖X_k‖² (‖mean‖² ≤ mean ‖·‖²) and Var Y = E‖ḡ − μ‖⁴ − m²
  // exactly, so Bernstein's inequality gives
  //   P(|Ȳ − m| ≥ t) ≤ 2 exp(−R t² / (2 Var Y + 2Bt/3)) = 1e-6
  // at t = [(2/3)B·ℓ + √((2/3·B·ℓ)² + 8R·Var Y·ℓ)] / (2R), ℓ = log(2/1e-6).
  constexpr int kBatches = 20000;
  constexpr double kFailureProbability = 1e-6;
  const double log_term = std::log(2.0 / kFailureProbability);
  const Vector x = random_point(*problem_, 10);
  for (int i = 0; i < problem_->num_workers(); ++i) {
    const Index n = problem_->local_sample_count(i);
    const int batch = static_cast<int>(n / 2);
    const NoiseMoments moments = noise_moments(*problem_, i, x);
    Vector exact(problem_->dim());
    problem_->local_gradient(i, x, exact);

    RandomStream rng(StreamKey{
        .seed = 12, .worker = static_cast<std::uint64_t>(i), .purpose = StreamPurpose::kSampling});
    Vector g(problem_->dim());
    double mean_sq = 0.0;
    for (int r = 0; r < kBatches; ++r) {
      problem_->stochastic_gradient(i, x, batch, rng, g);
      mean_sq += (g - exact).squaredNorm() / kBatches;
    }
    const double expected = moments.variance / batch;
    const double var_y = moments.minibatch_fourth_moment(batch) - expected * expected;
    const double b = moments.max_sq_norm;
    const double linear = 2.0 / 3.0 * b * log_term;
    const double t = (linear + std::sqrt(linear * linear + 8.0 * kBatches * var_y * log_term)) /
                     (2.0 * kBatches);
    EXPECT_NEAR(mean_sq, expected, t) << "worker " << i << ", M = " << batch;
    // Power: sampling without replacement (factor ≈ ½) would be far outside the interval.
    const double without_replacement =
        expected * static_cast<double>(n - batch) / static_cast<double>(n - 1);
    EXPECT_GT(expected - without_replacement, 2.0 * t) << "worker " << i;
  }
}

TEST_P(FiniteSumContract, SameSeedGivesTheSameBits) {
  const Vector x = random_point(*problem_, 13);
  const StreamKey key{.seed = 77, .run = 2, .worker = 0, .purpose = StreamPurpose::kSampling};
  Vector first(problem_->dim());
  Vector second(problem_->dim());
  RandomStream a(key);
  RandomStream b(key);
  for (int step = 0; step < 3; ++step) {
    problem_->stochastic_gradient(0, x, 4, a, first);
    problem_->stochastic_gradient(0, x, 4, b, second);
    EXPECT_EQ(first, second) << "step " << step;
    problem_->sample_gradient(0, x, a, first);
    problem_->sample_gradient(0, x, b, second);
    EXPECT_EQ(first, second) << "step " << step;
  }
}

TEST_P(FiniteSumContract, RejectsBadArguments) {
  const Vector x = random_point(*problem_, 14);
  Vector out(problem_->dim());
  RandomStream rng(1);
  try {
    problem_->local_gradient(3, x, out);
    ADD_FAILURE() << "worker 3 of 3 accepted";
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("worker 3 outside [0, 3)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(problem_->local_loss(-1, x), std::out_of_range);
  EXPECT_THROW(problem_->local_sample_gradient(0, 12, x, out), std::out_of_range);
  try {
    problem_->stochastic_gradient(0, x, 0, rng, out);
    ADD_FAILURE() << "batch size 0 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batch size (0)"), std::string::npos) << e.what();
  }
  const Vector wrong = Vector::Zero(problem_->dim() + 1);
  try {
    problem_->local_loss(0, wrong);
    ADD_FAILURE() << "wrong dimension accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("expected dim()"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(AllDataProblems, FiniteSumContract, ::testing::ValuesIn(all_problems()),
                         [](const auto& param_info) { return param_info.param.name; });

// ---------------------------------------------------------------------------------------------
// Construction errors.

void expect_input_error(const std::function<void()>& action, const std::string& fragment) {
  try {
    action();
    ADD_FAILURE() << "no InputError; expected one mentioning \"" << fragment << "\"";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(FiniteSumProblem, RejectsInvalidPartitions) {
  const auto data = make_dataset(3);  // 48 samples
  auto make = [&](Partition partition) {
    return [data, partition] { RidgeToyProblem problem(data, partition); };
  };
  Partition duplicate = contiguous_partition(kWorkerSizes);
  duplicate.worker_samples[2].back() = 0;
  expect_input_error(make(duplicate), "sample 0 is held by workers 0 and 2");

  Partition missing = contiguous_partition(kWorkerSizes);
  missing.worker_samples[1].pop_back();
  expect_input_error(make(missing), "sample 31 is held by no worker");

  Partition empty_worker = contiguous_partition(kWorkerSizes);
  empty_worker.worker_samples.push_back({});
  expect_input_error(make(empty_worker), "worker 3 has no samples");

  Partition outside = contiguous_partition(kWorkerSizes);
  outside.worker_samples[0].push_back(48);
  expect_input_error(make(outside), "holds sample 48, outside [0, 48)");

  expect_input_error(make(Partition{}), "partition has no workers");
}

TEST(FiniteSumProblem, RejectsMissingOrInvalidData) {
  expect_input_error([] { RidgeToyProblem problem(nullptr, contiguous_partition(kWorkerSizes)); },
                     "data set is missing");
  auto bad = std::make_shared<Dataset>(*make_dataset(3));
  bad->labels.pop_back();
  expect_input_error([bad] { RidgeToyProblem problem(bad, contiguous_partition(kWorkerSizes)); },
                     "dataset.labels has 47 entries");
}

TEST(FiniteSumProblem, ExposesItsDataAndPartition) {
  const auto data = make_dataset(3);
  RidgeToyProblem problem(data, contiguous_partition(kWorkerSizes));
  EXPECT_EQ(problem.num_workers(), 3);
  EXPECT_EQ(&problem.dataset(), data.get());
  EXPECT_EQ(problem.partition().worker_samples[1].front(), 12);
  // The local loss is the plain average plus r: check worker 0 by hand.
  const Vector x = Vector::LinSpaced(kFeatures, -1.0, 1.0);
  double expected = 0.0;
  for (Index s = 0; s < 12; ++s) {
    const double r = data->features.col(s).dot(x) - data->targets[s];
    expected += 0.5 * r * r / 12.0;
  }
  expected += 0.5 * RidgeToyProblem::kRidge * x.squaredNorm();
  EXPECT_NEAR(problem.local_loss(0, x), expected, 1e-12 * expected);  // re-association only
}

}  // namespace
}  // namespace dsgdlab
