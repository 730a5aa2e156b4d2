#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/cost_model.hpp"
#include "dsgdlab/algorithms/engine/cost_model_options.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// A file under temp_directory_path() named after the running test, the process id (ctest
/// may run tests in parallel) and a counter, removed when the object goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("dsgdlab_" + std::string(test->test_suite_name()) + "_" + test->name() + "_" +
             std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".trace");
    std::ofstream out(path_, std::ios::binary);
    out << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;  ///< several files in one test get distinct names
  std::filesystem::path path_;
};

/// `count` successive compute times of one worker.
std::vector<double> draws(CostModel& model, int worker, int count) {
  std::vector<double> values;
  for (int k = 0; k < count; ++k) values.push_back(model.next_compute_time(worker));
  return values;
}

StreamKey compute_key(std::uint64_t seed, std::uint64_t run, std::uint64_t worker) {
  return StreamKey{
      .seed = seed, .run = run, .worker = worker, .purpose = StreamPurpose::kComputeTime};
}

// ---------------------------------------------------------------------------------------------
// Compute times

TEST(CostModelCompute, ConstantIsExactlyBaseTimesSlowdown) {
  const CostModelOptions options{.compute_time_s = 0.3,
                                 .slow_workers = {{.worker = 2, .factor = 10.0}}};
  CostModel model(options, 4, 1, 0);
  EXPECT_EQ(model.num_workers(), 4);
  for (int i = 0; i < 4; ++i) {
    const double expected = i == 2 ? 0.3 * 10.0 : 0.3;
    EXPECT_EQ(model.mean_compute_time(i), expected) << "worker " << i;
    for (double t : draws(model, i, 5)) EXPECT_EQ(t, expected) << "worker " << i;
  }
}

TEST(CostModelCompute, BadWorkerIdsThrowOutOfRange) {
  CostModel model(CostModelOptions{}, 3, 1, 0);
  EXPECT_THROW(model.mean_compute_time(3), std::out_of_range);
  EXPECT_THROW(model.next_compute_time(-1), std::out_of_range);
}

TEST(CostModelCompute, ExponentialFollowsTheDocumentedStreams) {
  // Worker i's k-th time is c·s_i·E_k with E_k the k-th rng_i.exponential(1.0) of worker i's
  // kComputeTime stream: the reproducibility contract, checked bit for bit.
  const CostModelOptions options{.compute_time_s = 2.0,
                                 .slow_workers = {{.worker = 1, .factor = 3.0}},
                                 .compute_distribution = ComputeTimeDistribution::kExponential};
  CostModel model(options, 2, 17, 5);
  for (int i = 0; i < 2; ++i) {
    RandomStream rng(compute_key(17, 5, static_cast<std::uint64_t>(i)));
    const double mean = model.mean_compute_time(i);
    for (double t : draws(model, i, 20)) EXPECT_EQ(t, mean * rng.exponential(1.0));
  }
}

TEST(CostModelCompute, LognormalFollowsTheDocumentedStreams) {
  const double sigma = 0.7;
  const CostModelOptions options{.compute_time_s = 1.5,
                                 .compute_distribution = ComputeTimeDistribution::kLognormal,
                                 .lognormal_sigma = sigma};
  CostModel model(options, 3, 4, 2);
  for (int i = 0; i < 3; ++i) {
    RandomStream rng(compute_key(4, 2, static_cast<std::uint64_t>(i)));
    for (double t : draws(model, i, 20)) {
      EXPECT_EQ(t, 1.5 * std::exp(sigma * rng.normal() - 0.5 * sigma * sigma));
    }
  }
}

TEST(CostModelCompute, LognormalWithZeroSigmaIsConstant) {
  const CostModelOptions options{.compute_time_s = 0.25,
                                 .compute_distribution = ComputeTimeDistribution::kLognormal,
                                 .lognormal_sigma = 0.0};
  CostModel model(options, 2, 9, 0);
  for (double t : draws(model, 1, 10)) EXPECT_EQ(t, 0.25);
}

// Statistical tests. Each checks a sample mean of N = 200000 independent draws against its
// expectation with a tolerance of 5.5 standard errors: by the CLT the two-sided failure
// probability of one check is P(|N(0,1)| > 5.5) = 3.8e-8 (the skewness of a mean of 2·10⁵
// exponential or lognormal(σ = 0.5) draws is below 0.005, which changes this by < 15%). The
// four checks below fail together with probability < 2e-7 < 1e-6.
constexpr int kStatDraws = 200000;
constexpr double kStandardErrors = 5.5;

TEST(CostModelCompute, ExponentialMeanIsBaseTimesSlowdown) {
  // Z ~ Exp(1): sd(c·s_i·Z) = c·s_i, standard error c·s_i/√N.
  const CostModelOptions options{.compute_time_s = 2.0,
                                 .slow_workers = {{.worker = 1, .factor = 3.0}},
                                 .compute_distribution = ComputeTimeDistribution::kExponential};
  CostModel model(options, 2, 123, 0);
  for (int i = 0; i < 2; ++i) {
    const double mean = model.mean_compute_time(i);
    double sum = 0.0;
    for (int k = 0; k < kStatDraws; ++k) {
      const double t = model.next_compute_time(i);
      ASSERT_GT(t, 0.0);
      sum += t;
    }
    EXPECT_NEAR(sum / kStatDraws, mean, kStandardErrors * mean / std::sqrt(kStatDraws))
        << "worker " << i;
  }
}

TEST(CostModelCompute, LognormalHasMeanOneAndLogMeanMinusHalfSigmaSquared) {
  // Z = exp(σG − σ²/2), G ~ N(0,1): E Z = 1, sd Z = √(e^{σ²} − 1); log Z ~ N(−σ²/2, σ²).
  const double sigma = 0.5;
  const double c = 0.8;
  const CostModelOptions options{.compute_time_s = c,
                                 .compute_distribution = ComputeTimeDistribution::kLognormal,
                                 .lognormal_sigma = sigma};
  CostModel model(options, 1, 321, 0);
  double sum = 0.0;
  double sum_log = 0.0;
  for (int k = 0; k < kStatDraws; ++k) {
    const double z = model.next_compute_time(0) / c;
    ASSERT_GT(z, 0.0);
    sum += z;
    sum_log += std::log(z);
  }
  const double sd_z = std::sqrt(std::exp(sigma * sigma) - 1.0);
  EXPECT_NEAR(sum / kStatDraws, 1.0, kStandardErrors * sd_z / std::sqrt(kStatDraws));
  EXPECT_NEAR(sum_log / kStatDraws, -0.5 * sigma * sigma,
              kStandardErrors * sigma / std::sqrt(kStatDraws));
}

TEST(CostModelCompute, ReproducibleForASeedAndDifferentAcrossSeedsRunsAndWorkers) {
  const CostModelOptions options{.compute_distribution = ComputeTimeDistribution::kExponential};
  CostModel a(options, 2, 42, 0);
  CostModel b(options, 2, 42, 0);
  CostModel other_seed(options, 2, 43, 0);
  CostModel other_run(options, 2, 42, 1);
  const auto reference = draws(a, 0, 10);
  EXPECT_EQ(draws(b, 0, 10), reference);
  EXPECT_NE(draws(other_seed, 0, 10), reference);
  EXPECT_NE(draws(other_run, 0, 10), reference);
  CostModel fresh(options, 2, 42, 0);
  EXPECT_NE(draws(fresh, 1, 10), reference) << "worker 1 has its own stream";
}

TEST(CostModelCompute, WorkerStreamsAreIndependentOfCallOrder) {
  for (auto distribution :
       {ComputeTimeDistribution::kExponential, ComputeTimeDistribution::kLognormal}) {
    const CostModelOptions options{.compute_distribution = distribution};
    CostModel interleaved(options, 2, 7, 3);
    CostModel grouped(options, 2, 7, 3);
    std::array<std::vector<double>, 2> first;
    std::array<std::vector<double>, 2> second;
    // Interleaved 0,1,0,1,... (with an irregular pattern), then all of worker 1 before 0.
    for (int k = 0; k < 30; ++k) {
      first[0].push_back(interleaved.next_compute_time(0));
      if (k % 3 != 2) first[1].push_back(interleaved.next_compute_time(1));
    }
    while (first[1].size() < 30) first[1].push_back(interleaved.next_compute_time(1));
    second[1] = draws(grouped, 1, 30);
    second[0] = draws(grouped, 0, 30);
    EXPECT_EQ(first[0], second[0]) << to_string(distribution);
    EXPECT_EQ(first[1], second[1]) << to_string(distribution);
    EXPECT_NE(first[0], first[1]) << to_string(distribution);
  }
}

TEST(CostModelCompute, TraceIsReplayedCyclicallyPerWorker) {
  const TempFile file("# factors\n1 2 3\n\n0.5\n");
  const CostModelOptions options{.compute_time_s = 2.0,
                                 .slow_workers = {{.worker = 1, .factor = 3.0}},
                                 .compute_distribution = ComputeTimeDistribution::kTrace,
                                 .compute_trace_file = file.path()};
  CostModel model(options, 2, 1, 0);
  // All products are exact in binary floating point.
  EXPECT_EQ(draws(model, 0, 4), (std::vector<double>{2.0, 4.0, 6.0, 2.0}));
  EXPECT_EQ(draws(model, 1, 3), (std::vector<double>{3.0, 3.0, 3.0}));
  EXPECT_EQ(draws(model, 0, 3), (std::vector<double>{4.0, 6.0, 2.0}));
}

TEST(CostModelCompute, TraceErrorsReachTheCaller) {
  const TempFile file("1 2\n1 x\n");
  const CostModelOptions options{.compute_distribution = ComputeTimeDistribution::kTrace,
                                 .compute_trace_file = file.path()};
  try {
    CostModel model(options, 2, 1, 0);
    ADD_FAILURE() << "expected a FileFormatError";
  } catch (const FileFormatError& error) {
    EXPECT_EQ(error.line(), 2u);
    EXPECT_EQ(std::string(error.what()), file.path().string() + ":2: value 'x' is not a number");
  }
  const TempFile two_workers("1 2\n3\n");
  CostModelOptions too_few_lines = options;
  too_few_lines.compute_trace_file = two_workers.path();
  try {
    CostModel model(too_few_lines, 3, 1, 0);
    ADD_FAILURE() << "expected a FileFormatError";
  } catch (const FileFormatError& error) {
    EXPECT_EQ(error.line(), 0u);
    EXPECT_EQ(std::string(error.what()),
              two_workers.path().string() + ": has 2 worker lines, the run has 3 workers");
  }
  const CostModelOptions missing{
      .compute_distribution = ComputeTimeDistribution::kTrace,
      .compute_trace_file = std::filesystem::temp_directory_path() / "dsgdlab_missing.trace"};
  try {
    CostModel model(missing, 2, 1, 0);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("dsgdlab_missing.trace"), std::string::npos);
  }
}

// ---------------------------------------------------------------------------------------------
// Links

TEST(CostModelLinks, DefaultCommunicationIsFree) {
  const CostModel model(CostModelOptions{}, 3, 1, 0);
  EXPECT_EQ(model.message_time(0, 1, 0.0), 0.0);
  EXPECT_EQ(model.message_time(2, 0, 8.0e6), 0.0);
}

TEST(CostModelLinks, LatencyPlusBytesOverBandwidth) {
  const CostModelOptions options{.link_latency_s = 0.5, .link_bandwidth_bytes_per_s = 1000.0};
  const CostModel model(options, 3, 1, 0);
  EXPECT_EQ(model.message_time(0, 1, 800.0), 0.5 + 800.0 / 1000.0);
  EXPECT_EQ(model.message_time(2, 1, 0.0), 0.5);
  EXPECT_EQ(model.message_time(1, 1, 800.0), 0.0) << "a message to oneself uses no link";
}

TEST(CostModelLinks, SlowLinkAppliesInBothDirectionsAndOnlyToThatLink) {
  const CostModelOptions options{
      .link_latency_s = 0.5,
      .link_bandwidth_bytes_per_s = 1000.0,
      .slow_links = {{.u = 2, .v = 1, .latency_factor = 4.0, .bandwidth_factor = 10.0}}};
  const CostModel model(options, 4, 1, 0);
  const double slow = 0.5 * 4.0 + 800.0 / (1000.0 / 10.0);
  const double normal = 0.5 + 800.0 / 1000.0;
  EXPECT_EQ(model.message_time(1, 2, 800.0), slow);
  EXPECT_EQ(model.message_time(2, 1, 800.0), slow);
  for (auto [u, v] : {std::array{0, 1}, std::array{1, 3}, std::array{2, 3}, std::array{0, 2}}) {
    EXPECT_EQ(model.message_time(u, v, 800.0), normal) << u << "-" << v;
    EXPECT_EQ(model.message_time(v, u, 800.0), normal) << v << "-" << u;
  }
}

TEST(CostModelLinks, ManySlowLinksAreEachFound) {
  // Links {i, i+1} for even i are slowed by a factor 1 + i; the others are uniform. Exercises
  // the sorted lookup with slow links given in an unsorted order.
  constexpr int kWorkers = 20;
  CostModelOptions options{.link_latency_s = 1.0, .link_bandwidth_bytes_per_s = 64.0};
  for (int i = kWorkers - 2; i >= 0; i -= 2) {
    options.slow_links.push_back(
        {.u = i + 1, .v = i, .latency_factor = 1.0 + i, .bandwidth_factor = 2.0});
  }
  const CostModel model(options, kWorkers, 1, 0);
  for (int u = 0; u < kWorkers; ++u) {
    for (int v = 0; v < kWorkers; ++v) {
      if (u == v) continue;
      const int low = std::min(u, v);
      const bool slowed = std::max(u, v) == low + 1 && low % 2 == 0;
      const double expected = slowed ? 1.0 * (1.0 + low) + 128.0 / (64.0 / 2.0) : 1.0 + 2.0;
      EXPECT_EQ(model.message_time(u, v, 128.0), expected) << u << "-" << v;
    }
  }
}

TEST(CostModelLinks, BadArgumentsThrow) {
  const CostModel model(CostModelOptions{}, 3, 1, 0);
  EXPECT_THROW(model.message_time(0, 3, 1.0), std::out_of_range);
  EXPECT_THROW(model.message_time(-1, 0, 1.0), std::out_of_range);
  EXPECT_THROW(model.message_time(0, 1, -1.0), std::invalid_argument);
  EXPECT_THROW(model.message_time(0, 1, std::nan("")), std::invalid_argument);
  EXPECT_THROW(model.message_time(0, 1, kInf), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Ring allreduce

/// Relative tolerance for comparing the model with the closed form written in another order
/// of operations: a few rounding errors of a handful of operations.
constexpr double kRoundingTolerance = 1e-14;

TEST(CostModelAllreduce, SingleMemberIsFree) {
  const CostModelOptions options{.link_latency_s = 0.1, .link_bandwidth_bytes_per_s = 10.0};
  const CostModel model(options, 4, 1, 0);
  const std::vector<int> one{2};
  EXPECT_EQ(model.allreduce_time(one, 1.0e6), 0.0);
}

TEST(CostModelAllreduce, UniformLinksGiveTheClosedForm) {
  const double alpha = 0.01;
  const double beta = 1.0e6;
  const double bytes = 8000.0;
  const CostModelOptions options{.link_latency_s = alpha, .link_bandwidth_bytes_per_s = beta};
  const CostModel model(options, 6, 1, 0);
  for (const std::vector<int>& members :
       {std::vector<int>{0, 1}, std::vector<int>{1, 3, 4}, std::vector<int>{0, 1, 2, 3, 4, 5}}) {
    const double m = static_cast<double>(members.size());
    const double expected = 2.0 * (m - 1.0) * (alpha + bytes / (m * beta));
    EXPECT_NEAR(model.allreduce_time(members, bytes), expected, kRoundingTolerance * expected)
        << members.size() << " members";
  }
  EXPECT_EQ(CostModel(CostModelOptions{}, 6, 1, 0).allreduce_time(std::vector<int>{0, 2, 5}, 1e9),
            0.0)
      << "default links are free";
}

TEST(CostModelAllreduce, SlowestRingLinkDominates) {
  const double alpha = 0.01;
  const double beta = 1.0e6;
  const double bytes = 8000.0;
  const std::vector<int> members{0, 1, 2, 3};
  const double m = 4.0;
  // A slow bandwidth on an inner link {1, 2}, then on the closing link {3, 0}.
  for (auto [u, v] : {std::array{2, 1}, std::array{0, 3}}) {
    const CostModelOptions options{
        .link_latency_s = alpha,
        .link_bandwidth_bytes_per_s = beta,
        .slow_links = {{.u = u, .v = v, .latency_factor = 1.0, .bandwidth_factor = 10.0}}};
    const CostModel model(options, 5, 1, 0);
    const double expected = 2.0 * (m - 1.0) * (alpha + bytes / (m * beta / 10.0));
    EXPECT_NEAR(model.allreduce_time(members, bytes), expected, kRoundingTolerance * expected)
        << "slow link " << u << "-" << v;
  }
  // A slow latency wins over a fast bandwidth term.
  const CostModelOptions latency{
      .link_latency_s = alpha,
      .link_bandwidth_bytes_per_s = beta,
      .slow_links = {{.u = 3, .v = 2, .latency_factor = 100.0, .bandwidth_factor = 1.0}}};
  const double expected = 2.0 * (m - 1.0) * (100.0 * alpha + bytes / (m * beta));
  EXPECT_NEAR(CostModel(latency, 4, 1, 0).allreduce_time(members, bytes), expected,
              kRoundingTolerance * expected);
}

TEST(CostModelAllreduce, SlowLinkOffTheRingHasNoEffect) {
  const double alpha = 0.01;
  const double beta = 1.0e6;
  const double bytes = 8000.0;
  const std::vector<int> members{0, 2, 4};  // ring links {0,2}, {2,4}, {4,0}
  const CostModelOptions uniform{.link_latency_s = alpha, .link_bandwidth_bytes_per_s = beta};
  CostModelOptions slowed = uniform;
  slowed.slow_links = {{.u = 0, .v = 1, .latency_factor = 50.0, .bandwidth_factor = 50.0},
                       {.u = 2, .v = 3, .latency_factor = 50.0, .bandwidth_factor = 50.0}};
  const double plain = CostModel(uniform, 5, 1, 0).allreduce_time(members, bytes);
  EXPECT_EQ(CostModel(slowed, 5, 1, 0).allreduce_time(members, bytes), plain);
  // But the closing link {4, 0} is on the ring.
  slowed.slow_links.push_back({.u = 4, .v = 0, .latency_factor = 50.0, .bandwidth_factor = 1.0});
  EXPECT_GT(CostModel(slowed, 5, 1, 0).allreduce_time(members, bytes), plain);
}

TEST(CostModelAllreduce, BadMembersThrow) {
  const CostModel model(CostModelOptions{}, 4, 1, 0);
  EXPECT_THROW(model.allreduce_time(std::vector<int>{}, 1.0), std::invalid_argument);
  EXPECT_THROW(model.allreduce_time(std::vector<int>{2, 1}, 1.0), std::invalid_argument);
  EXPECT_THROW(model.allreduce_time(std::vector<int>{1, 1}, 1.0), std::invalid_argument);
  EXPECT_THROW(model.allreduce_time(std::vector<int>{0, 4}, 1.0), std::out_of_range);
  EXPECT_THROW(model.allreduce_time(std::vector<int>{0, 1}, -1.0), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Parameter server link. Sizes and bandwidths are chosen so that every time is a dyadic
// rational: the queueing arithmetic is exact and compared with EXPECT_EQ.

TEST(CostModelServer, DefaultServerIsFree) {
  CostModel model(CostModelOptions{}, 2, 1, 0);
  EXPECT_EQ(model.server_transfer(1.5, 8.0e6), 1.5);
  EXPECT_EQ(model.server_transfer(1.5, 8.0e6), 1.5);
  EXPECT_EQ(model.server_transfer(2.0, 8.0e6), 2.0);
}

TEST(CostModelServer, SimultaneousRequestsQueueFirstComeFirstServed) {
  // b/β_s = 1/4 s, α_s = 1/2 s: three requests at t = 1 arrive at 1 + k/4 + 1/2.
  const CostModelOptions options{.server_latency_s = 0.5, .server_bandwidth_bytes_per_s = 4.0};
  CostModel model(options, 3, 1, 0);
  EXPECT_EQ(model.server_link_free_time(), 0.0);
  EXPECT_EQ(model.server_transfer(1.0, 1.0), 1.0 + 0.25 + 0.5);
  EXPECT_EQ(model.server_transfer(1.0, 1.0), 1.0 + 0.5 + 0.5);
  EXPECT_EQ(model.server_transfer(1.0, 1.0), 1.0 + 0.75 + 0.5);
  EXPECT_EQ(model.server_link_free_time(), 1.75);
  // A request while the link is busy waits for it: starts at 1.75, not 1.5.
  EXPECT_EQ(model.server_transfer(1.5, 2.0), 1.75 + 0.5 + 0.5);
  EXPECT_EQ(model.server_link_free_time(), 2.25);
  // After an idle gap the next transfer starts at its request time.
  EXPECT_EQ(model.server_transfer(10.0, 1.0), 10.0 + 0.25 + 0.5);
  EXPECT_EQ(model.server_link_free_time(), 10.25);
}

TEST(CostModelServer, DecreasingRequestTimesThrow) {
  const CostModelOptions options{.server_latency_s = 0.5, .server_bandwidth_bytes_per_s = 4.0};
  CostModel model(options, 2, 1, 0);
  model.server_transfer(3.0, 1.0);
  EXPECT_THROW(model.server_transfer(2.0, 1.0), std::logic_error);
  EXPECT_EQ(model.server_transfer(3.0, 1.0), 3.5 + 0.5) << "equal request times are allowed";
  EXPECT_THROW(model.server_transfer(-1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(model.server_transfer(kInf, 1.0), std::invalid_argument);
  EXPECT_THROW(model.server_transfer(4.0, -1.0), std::invalid_argument);
}

TEST(CostModelServer, ResetServerFreesTheLinkForANewRun) {
  const CostModelOptions options{.server_latency_s = 0.5, .server_bandwidth_bytes_per_s = 4.0};
  CostModel model(options, 2, 1, 0);
  model.server_transfer(5.0, 8.0);  // busy until 7
  model.reset_server();
  EXPECT_EQ(model.server_link_free_time(), 0.0);
  EXPECT_EQ(model.server_transfer(0.0, 1.0), 0.25 + 0.5) << "earlier times accepted again";
}

// ---------------------------------------------------------------------------------------------
// Options validation

struct InvalidCase {
  std::string expected_message;
  std::function<void(CostModelOptions&)> change;
};

TEST(CostModelOptions, DefaultsAndAFullValidSetPass) {
  EXPECT_NO_THROW(CostModelOptions{}.validate(1));
  const CostModelOptions full{
      .compute_time_s = 0.1,
      .slow_workers = {{.worker = 0, .factor = 10.0}, {.worker = 3, .factor = 0.5}},
      .compute_distribution = ComputeTimeDistribution::kLognormal,
      .lognormal_sigma = 0.0,
      .link_latency_s = 0.0,
      .link_bandwidth_bytes_per_s = 1.0e9,
      .slow_links = {{.u = 0, .v = 1, .latency_factor = 2.0, .bandwidth_factor = 0.5},
                     {.u = 3, .v = 1, .latency_factor = 1.0, .bandwidth_factor = 4.0}},
      .server_latency_s = 1e-3,
      .server_bandwidth_bytes_per_s = kInf};
  EXPECT_NO_THROW(full.validate(4));
}

TEST(CostModelOptions, EachInvalidFieldIsNamedWithItsValue) {
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<InvalidCase> cases{
      {"cost.compute_time_s (0) must be a positive finite number",
       [](auto& o) { o.compute_time_s = 0.0; }},
      {"cost.compute_time_s (-1) must be a positive finite number",
       [](auto& o) { o.compute_time_s = -1.0; }},
      {"cost.compute_time_s (inf) must be a positive finite number",
       [](auto& o) { o.compute_time_s = kInf; }},
      {"cost.compute_time_s (nan) must be a positive finite number",
       [](auto& o) { o.compute_time_s = kNan; }},
      {"cost.slow_workers[1].worker (4) must be a worker id in [0, 4)",
       [](auto& o) {
         o.slow_workers = {{.worker = 0, .factor = 2.0}, {.worker = 4, .factor = 2.0}};
       }},
      {"cost.slow_workers[0].worker (-1) must be a worker id in [0, 4)",
       [](auto& o) { o.slow_workers = {{.worker = -1, .factor = 2.0}}; }},
      {"cost.slow_workers[0].factor (0) must be a positive finite number",
       [](auto& o) { o.slow_workers = {{.worker = 1, .factor = 0.0}}; }},
      {"cost.slow_workers[0].factor (inf) must be a positive finite number",
       [](auto& o) { o.slow_workers = {{.worker = 1, .factor = kInf}}; }},
      {"cost.slow_workers[1].worker (2) is listed twice",
       [](auto& o) {
         o.slow_workers = {{.worker = 2, .factor = 2.0}, {.worker = 2, .factor = 3.0}};
       }},
      {"cost.lognormal_sigma (-0.1) must be a non-negative finite number",
       [](auto& o) { o.lognormal_sigma = -0.1; }},
      {"cost.lognormal_sigma (inf) must be a non-negative finite number",
       [](auto& o) { o.lognormal_sigma = kInf; }},
      {"cost.compute_trace_file must name a file when cost.compute_distribution is \"trace\"",
       [](auto& o) { o.compute_distribution = ComputeTimeDistribution::kTrace; }},
      {"cost.link_latency_s (-1) must be a non-negative finite number",
       [](auto& o) { o.link_latency_s = -1.0; }},
      {"cost.link_latency_s (inf) must be a non-negative finite number",
       [](auto& o) { o.link_latency_s = kInf; }},
      {"cost.link_bandwidth_bytes_per_s (0) must be positive (inf allowed)",
       [](auto& o) { o.link_bandwidth_bytes_per_s = 0.0; }},
      {"cost.link_bandwidth_bytes_per_s (nan) must be positive (inf allowed)",
       [](auto& o) { o.link_bandwidth_bytes_per_s = kNan; }},
      {"cost.slow_links[0].u (4) must be a worker id in [0, 4)",
       [](auto& o) { o.slow_links = {{.u = 4, .v = 0}}; }},
      {"cost.slow_links[0].v (-2) must be a worker id in [0, 4)",
       [](auto& o) { o.slow_links = {{.u = 1, .v = -2}}; }},
      {"cost.slow_links[0].v (1) must differ from cost.slow_links[0].u (1)",
       [](auto& o) { o.slow_links = {{.u = 1, .v = 1}}; }},
      {"cost.slow_links[0].latency_factor (0) must be a positive finite number",
       [](auto& o) { o.slow_links = {{.u = 0, .v = 1, .latency_factor = 0.0}}; }},
      {"cost.slow_links[0].bandwidth_factor (inf) must be a positive finite number",
       [](auto& o) { o.slow_links = {{.u = 0, .v = 1, .bandwidth_factor = kInf}}; }},
      {"cost.slow_links[1] slows link {2, 1}, which is listed twice",
       [](auto& o) {
         o.slow_links = {{.u = 1, .v = 2}, {.u = 2, .v = 1}};
       }},
      {"cost.server_latency_s (-0.5) must be a non-negative finite number",
       [](auto& o) { o.server_latency_s = -0.5; }},
      {"cost.server_bandwidth_bytes_per_s (-5) must be positive (inf allowed)",
       [](auto& o) { o.server_bandwidth_bytes_per_s = -5.0; }},
  };
  for (const auto& c : cases) {
    CostModelOptions options;
    c.change(options);
    try {
      options.validate(4);
      ADD_FAILURE() << "expected: " << c.expected_message;
    } catch (const InputError& error) {
      EXPECT_EQ(std::string(error.what()), c.expected_message);
    }
    // The cost model validates its options too.
    EXPECT_THROW(CostModel(options, 4, 1, 0), InputError) << c.expected_message;
  }
}

TEST(CostModelOptions, CostModelNeedsAtLeastOneWorker) {
  try {
    CostModel model(CostModelOptions{}, 0, 1, 0);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "cost model num_workers (0) must be at least 1");
  }
}

TEST(CostModelOptions, DistributionNamesRoundTrip) {
  for (auto distribution :
       {ComputeTimeDistribution::kConstant, ComputeTimeDistribution::kExponential,
        ComputeTimeDistribution::kLognormal, ComputeTimeDistribution::kTrace}) {
    EXPECT_EQ(parse_compute_time_distribution(to_string(distribution)), distribution);
  }
  EXPECT_EQ(to_string(ComputeTimeDistribution::kLognormal), "lognormal");
  try {
    parse_compute_time_distribution("gamma");
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(),
                 "cost.compute_distribution (\"gamma\") must be one of constant, exponential, "
                 "lognormal, trace");
  }
}

}  // namespace
}  // namespace dsgdlab
