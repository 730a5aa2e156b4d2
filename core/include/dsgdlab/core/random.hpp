#pragma once

/// Seeded random streams. Every random number in dsgdlab comes from a RandomStream derived
/// from (seed, run, worker, purpose); there is no global generator. The generator and every
/// distribution are written here, not taken from <random>, whose distributions differ between
/// standard libraries: the same key gives the same numbers on every x86-64 machine.

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>

#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// What a stream is used for. The numeric values are part of the reproducibility contract:
/// never renumber them, only append.
enum class StreamPurpose : std::uint64_t {
  kDataGeneration = 1,         ///< synthetic data sets (mixture means, samples)
  kPartition = 2,              ///< assignment of samples to workers
  kProblemInstance = 3,        ///< problem parameters (curvatures, centres, ground truths)
  kSampling = 4,               ///< minibatch sample indices
  kGradientNoise = 5,          ///< additive Gaussian gradient noise
  kTopology = 6,               ///< random graphs
  kGrouping = 7,               ///< random groupings of workers
  kComputeTime = 8,            ///< random factors of compute times (engine cost model)
  kPairing = 9,                ///< AD-PSGD partner choice
  kInitialModel = 10,          ///< starting point x_0
  kEstimation = 11,            ///< sigma^2 draws of the trajectory estimators
  kSmoothnessEstimation = 12,  ///< start vectors of the L estimator's power iterations
};

/// Stable lower-case name of a purpose ("sampling", "gradient_noise", ...).
std::string_view to_string(StreamPurpose purpose);

/// Identifies one stream. `worker` is the worker id, or kNoWorker for run-level streams.
struct StreamKey {
  static constexpr std::uint64_t kNoWorker = ~std::uint64_t{0};

  std::uint64_t seed = 0;
  std::uint64_t run = 0;
  std::uint64_t worker = kNoWorker;
  StreamPurpose purpose = StreamPurpose::kDataGeneration;
};

/// SplitMix64 finaliser (Steele, Lea, Flood 2014): z += 0x9e3779b97f4a7c15;
/// z = (z ^ z>>30)·0xbf58476d1ce4e5b9; z = (z ^ z>>27)·0x94d049bb133111eb; return z ^ z>>31.
std::uint64_t splitmix64(std::uint64_t z);

/// The documented stream hash: h = 0x6473676466616221 ("dsgdlab!"), then for each component
/// c of (seed, run, worker, purpose) in that order h = splitmix64(h ^ c). Chaining makes the
/// result depend on the order of components, so (run 1, worker 2) and (run 2, worker 1)
/// give unrelated streams.
std::uint64_t derive_stream_seed(const StreamKey& key);

/// xoshiro256** (Blackman and Vigna 2018), state filled from one 64-bit seed with SplitMix64,
/// plus the distributions dsgdlab needs. Not thread-safe: one stream per worker and purpose.
class RandomStream {
 public:
  using result_type = std::uint64_t;

  /// The stream for a key; the usual constructor.
  explicit RandomStream(const StreamKey& key) : RandomStream(derive_stream_seed(key)) {}
  /// A stream from a raw 64-bit seed (tests, and streams derived from streams).
  explicit RandomStream(std::uint64_t raw_seed);

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return ~result_type{0}; }
  result_type operator()() { return next_u64(); }

  std::uint64_t next_u64();
  /// Uniform on [0, 1) with 53 random bits: (next_u64() >> 11)·2⁻⁵³.
  double uniform();
  /// Uniform on [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  /// Uniform integer in [0, n), unbiased (Lemire 2019, multiply-shift with rejection). n > 0.
  std::uint64_t uniform_index(std::uint64_t n);
  /// Standard normal by the Marsaglia polar method; the second variate of a pair is cached.
  double normal();
  double normal(double mean, double stddev) { return mean + stddev * normal(); }
  /// Exponential with the given rate (mean 1/rate): −log(1 − U)/rate.
  double exponential(double rate);
  /// Gamma(shape, 1) by Marsaglia and Tsang (2000); shape < 1 via the U^{1/shape} boost.
  double gamma(double shape);
  /// Fills `out` with independent standard normals.
  void fill_normal(VectorRef out);

  /// Fisher–Yates shuffle with uniform_index (the same permutation on every platform,
  /// unlike std::shuffle).
  template <typename T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(uniform_index(i));
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  std::uint64_t state_[4];
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

}  // namespace dsgdlab
