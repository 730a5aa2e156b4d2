#include "dsgdlab/core/random.hpp"

#include <cmath>
#include <stdexcept>

namespace dsgdlab {
namespace {

constexpr std::uint64_t kStreamHashInit = 0x6473676466616221ULL;  // "dsgdlab!"

// 128-bit product for Lemire's method; __extension__ keeps -Wpedantic quiet about the type.
__extension__ using Uint128 = unsigned __int128;

constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

std::string_view to_string(StreamPurpose purpose) {
  switch (purpose) {
    case StreamPurpose::kDataGeneration: return "data_generation";
    case StreamPurpose::kPartition: return "partition";
    case StreamPurpose::kProblemInstance: return "problem_instance";
    case StreamPurpose::kSampling: return "sampling";
    case StreamPurpose::kGradientNoise: return "gradient_noise";
    case StreamPurpose::kTopology: return "topology";
    case StreamPurpose::kGrouping: return "grouping";
    case StreamPurpose::kComputeTime: return "compute_time";
    case StreamPurpose::kPairing: return "pairing";
    case StreamPurpose::kInitialModel: return "initial_model";
    case StreamPurpose::kEstimation: return "estimation";
    case StreamPurpose::kSmoothnessEstimation: return "smoothness_estimation";
  }
  return "unknown";
}

std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t derive_stream_seed(const StreamKey& key) {
  std::uint64_t h = kStreamHashInit;
  h = splitmix64(h ^ key.seed);
  h = splitmix64(h ^ key.run);
  h = splitmix64(h ^ key.worker);
  h = splitmix64(h ^ static_cast<std::uint64_t>(key.purpose));
  return h;
}

RandomStream::RandomStream(std::uint64_t raw_seed) {
  // SplitMix64 as a sequence generator: state_k = splitmix64(seed + k·golden) never yields
  // the all-zero state xoshiro must avoid (splitmix64 is a bijection, four distinct inputs).
  std::uint64_t z = raw_seed;
  for (auto& word : state_) {
    word = splitmix64(z);
    z += 0x9e3779b97f4a7c15ULL;
  }
}

std::uint64_t RandomStream::next_u64() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double RandomStream::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

std::uint64_t RandomStream::uniform_index(std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("RandomStream::uniform_index: n must be positive");
  Uint128 product = static_cast<Uint128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(product);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    while (low < threshold) {
      product = static_cast<Uint128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

double RandomStream::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u = 0.0;
  double v = 0.0;
  double s = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_normal_ = true;
  return u * factor;
}

double RandomStream::exponential(double rate) {
  if (!(rate > 0.0))
    throw std::invalid_argument("RandomStream::exponential: rate must be positive");
  return -std::log1p(-uniform()) / rate;
}

double RandomStream::gamma(double shape) {
  if (!(shape > 0.0)) throw std::invalid_argument("RandomStream::gamma: shape must be positive");
  if (shape < 1.0) {
    // Gamma(a) = Gamma(a + 1)·U^{1/a}.
    const double boosted = gamma(shape + 1.0);
    double u = uniform();
    while (u == 0.0) u = uniform();
    return boosted * std::pow(u, 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform();
    if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

void RandomStream::fill_normal(VectorRef out) {
  for (Index i = 0; i < out.size(); ++i) out[i] = normal();
}

}  // namespace dsgdlab
