#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "dsgdlab/core/random.hpp"

namespace dsgdlab {
namespace {

std::vector<std::uint64_t> draw(RandomStream stream, int count) {
  std::vector<std::uint64_t> values(static_cast<std::size_t>(count));
  for (auto& v : values) v = stream.next_u64();
  return values;
}

TEST(StreamHash, SplitMix64MatchesReferenceValues) {
  // Reference outputs of the SplitMix64 generator seeded with 1234567 (Vigna's splitmix64.c:
  // next() adds the golden gamma to the state, then finalises), which splitmix64() computes
  // from the pre-increment state.
  std::uint64_t state = 1234567;
  const std::uint64_t expected[] = {6457827717110365317ULL, 3203168211198807973ULL,
                                    9817491932198370423ULL};
  for (std::uint64_t e : expected) {
    EXPECT_EQ(splitmix64(state), e);
    state += 0x9e3779b97f4a7c15ULL;
  }
}

TEST(StreamHash, SameKeySameStream) {
  const StreamKey key{.seed = 42, .run = 3, .worker = 7, .purpose = StreamPurpose::kSampling};
  EXPECT_EQ(derive_stream_seed(key), derive_stream_seed(key));
  EXPECT_EQ(draw(RandomStream(key), 100), draw(RandomStream(key), 100));
}

TEST(StreamHash, EveryComponentChangesTheStream) {
  const StreamKey base{.seed = 42, .run = 3, .worker = 7, .purpose = StreamPurpose::kSampling};
  std::vector<StreamKey> keys{base};
  keys.push_back({.seed = 43, .run = 3, .worker = 7, .purpose = StreamPurpose::kSampling});
  keys.push_back({.seed = 42, .run = 4, .worker = 7, .purpose = StreamPurpose::kSampling});
  keys.push_back({.seed = 42, .run = 3, .worker = 8, .purpose = StreamPurpose::kSampling});
  keys.push_back({.seed = 42, .run = 3, .worker = 7, .purpose = StreamPurpose::kGradientNoise});
  // Swapped components must not collide: the hash is chained, not symmetric.
  keys.push_back({.seed = 42, .run = 7, .worker = 3, .purpose = StreamPurpose::kSampling});
  std::set<std::uint64_t> seeds;
  std::set<std::uint64_t> first_draws;
  for (const auto& key : keys) {
    seeds.insert(derive_stream_seed(key));
    first_draws.insert(RandomStream(key).next_u64());
  }
  EXPECT_EQ(seeds.size(), keys.size());
  EXPECT_EQ(first_draws.size(), keys.size());
}

TEST(StreamHash, WorkerStreamsAreUncorrelated) {
  // Sample correlation of uniforms from workers 0 and 1 over N = 100000 draws: under
  // independence it is ≈ N(0, 1/N), so |r| < 5/√N = 0.0158 fails with probability 6e-7.
  constexpr int kDraws = 100000;
  RandomStream a(StreamKey{.seed = 1, .run = 0, .worker = 0, .purpose = StreamPurpose::kSampling});
  RandomStream b(StreamKey{.seed = 1, .run = 0, .worker = 1, .purpose = StreamPurpose::kSampling});
  double sum_ab = 0, sum_a = 0, sum_b = 0, sum_aa = 0, sum_bb = 0;
  for (int k = 0; k < kDraws; ++k) {
    const double x = a.uniform();
    const double y = b.uniform();
    sum_ab += x * y;
    sum_a += x;
    sum_b += y;
    sum_aa += x * x;
    sum_bb += y * y;
  }
  const double n = kDraws;
  const double cov = sum_ab / n - (sum_a / n) * (sum_b / n);
  const double r = cov / std::sqrt((sum_aa / n - sum_a * sum_a / (n * n)) *
                                   (sum_bb / n - sum_b * sum_b / (n * n)));
  EXPECT_LT(std::abs(r), 5.0 / std::sqrt(n));
}

TEST(RandomStream, UniformIsInUnitIntervalWithCorrectMoments) {
  // Mean of N = 200000 uniforms has sd 1/√(12N) = 6.5e-4; 5 sd = 3.2e-3 (p ≈ 6e-7).
  RandomStream rng(7);
  constexpr int kDraws = 200000;
  double sum = 0;
  for (int k = 0; k < kDraws; ++k) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / kDraws, 0.5, 5.0 / std::sqrt(12.0 * kDraws));
}

TEST(RandomStream, UniformIndexIsInRangeAndUnbiased) {
  // Chi-square over 7 cells with 70000 draws: 6 degrees of freedom; P(χ²₆ > 35) ≈ 4e-6.
  RandomStream rng(11);
  constexpr int kCells = 7;
  constexpr int kDraws = 70000;
  std::vector<int> counts(kCells, 0);
  for (int k = 0; k < kDraws; ++k) {
    const auto v = rng.uniform_index(kCells);
    ASSERT_LT(v, static_cast<std::uint64_t>(kCells));
    ++counts[v];
  }
  const double expected = static_cast<double>(kDraws) / kCells;
  double chi2 = 0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  EXPECT_LT(chi2, 35.0);
  EXPECT_THROW(rng.uniform_index(0), std::invalid_argument);
}

TEST(RandomStream, NormalHasUnitMomentsAndGaussianTails) {
  // N = 200000: sd of the mean is 2.2e-3 (5 sd = 0.011); sd of the sample variance is
  // √(2/N) = 3.2e-3 (5 sd = 0.016); P(|Z| > 3) = 0.0027 has sd 1.2e-4, 5 sd = 5.8e-4.
  RandomStream rng(13);
  constexpr int kDraws = 200000;
  double sum = 0, sum_sq = 0;
  int beyond_three = 0;
  for (int k = 0; k < kDraws; ++k) {
    const double z = rng.normal();
    sum += z;
    sum_sq += z * z;
    if (std::abs(z) > 3.0) ++beyond_three;
  }
  EXPECT_NEAR(sum / kDraws, 0.0, 0.011);
  EXPECT_NEAR(sum_sq / kDraws, 1.0, 0.016);
  EXPECT_NEAR(static_cast<double>(beyond_three) / kDraws, 0.0026998, 5.8e-4);
}

TEST(RandomStream, ExponentialAndGammaHaveCorrectMeans) {
  // Exponential(rate 2): mean 0.5, sd 0.5; N = 100000 → 5 sd of mean = 7.9e-3.
  // Gamma(a): mean a, sd √a; a = 0.3 → 5 sd of mean = 8.7e-3; a = 4.5 → 0.0335.
  RandomStream rng(17);
  constexpr int kDraws = 100000;
  double exp_sum = 0, g_small = 0, g_large = 0;
  for (int k = 0; k < kDraws; ++k) {
    exp_sum += rng.exponential(2.0);
    g_small += rng.gamma(0.3);
    g_large += rng.gamma(4.5);
  }
  EXPECT_NEAR(exp_sum / kDraws, 0.5, 7.9e-3);
  EXPECT_NEAR(g_small / kDraws, 0.3, 8.7e-3);
  EXPECT_NEAR(g_large / kDraws, 4.5, 0.0335);
  EXPECT_THROW(rng.exponential(0.0), std::invalid_argument);
  EXPECT_THROW(rng.gamma(-1.0), std::invalid_argument);
}

TEST(RandomStream, ShuffleIsAPermutationAndReproducible) {
  std::vector<int> a(50);
  std::iota(a.begin(), a.end(), 0);
  auto b = a;
  RandomStream r1(99), r2(99);
  r1.shuffle(std::span<int>(a));
  r2.shuffle(std::span<int>(b));
  EXPECT_EQ(a, b);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(a, identity);  // probability 1/50! of a false failure
}

}  // namespace
}  // namespace dsgdlab
