#pragma once

/// The time and heterogeneity model of the simulated engine (theory.md §3): how long a
/// worker's gradient takes, how long a message takes on a link, how long a ring allreduce
/// takes, and when a transfer over the parameter server's shared link arrives. Times are in
/// virtual seconds, sizes in bytes (a model of dimension d is 8·d bytes).

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "dsgdlab/algorithms/engine/cost_model_options.hpp"
#include "dsgdlab/core/random.hpp"

namespace dsgdlab {

/// Per-worker compute times c·s_i·Z and link, server and allreduce communication times.
///
/// Compute: worker i's k-th gradient takes c·s_i·Z_{i,k}, with c = compute_time_s, s_i the
/// worker's slowdown factor (1 unless listed in slow_workers) and Z_{i,k} of mean 1:
/// - constant:    Z = 1 (no random draw);
/// - exponential: Z = rng_i.exponential(1.0);
/// - lognormal:   Z = exp(σ·rng_i.normal() − σ²/2), so E Z = 1 and E log Z = −σ²/2;
/// - trace:       Z = the next value of worker i's line of the trace file, cyclically
///                (compute_trace.hpp).
/// rng_i is RandomStream(StreamKey{.seed, .run, .worker = i, .purpose = kComputeTime}): each
/// worker has its own stream, so the sequence a worker sees does not depend on the order in
/// which an engine asks for the workers' times.
///
/// Links: a message of b bytes on link (u, v) takes α_uv + b/β_uv with α_uv = α and β_uv = β
/// (link_latency_s, link_bandwidth_bytes_per_s), except on a slowed link {u, v} (either
/// order): α_uv = α·latency_factor, β_uv = β/bandwidth_factor. b/∞ = 0.
///
/// Allreduce (ring model, theory.md §3 "2(n−1) steps of α + b/(nβ)"): the m members, in
/// ascending id order, form the ring m_0 → m_1 → … → m_{m−1} → m_0. A ring allreduce of a
/// b-byte vector is a reduce-scatter then an allgather, 2(m−1) steps in all; in each step
/// every member sends one b/m-byte chunk to its successor at the same time, so a step lasts as
/// long as the slowest ring link: T = 2(m−1)·max_k (α_{m_k m_{k+1}} + b/(m·β_{m_k m_{k+1}})).
/// With uniform links this is 2(m−1)(α + b/(mβ)); with m = 1, T = 0.
///
/// Parameter server: one shared link (latency α_s, bandwidth β_s) serving transfers first come
/// first served; see server_transfer().
///
/// Not thread-safe (the simulated engine is single-threaded); copyable. message_time and
/// allreduce_time are const, allocation-free and O(log #slow links) per link.
class CostModel {
 public:
  /// Validates options for num_workers (InputError, also when num_workers < 1), reads the
  /// trace file when the distribution is "trace" (InputError/FileFormatError), and seeds worker
  /// i's compute-time stream with StreamKey{.seed = seed, .run = run_index, .worker = i,
  /// .purpose = StreamPurpose::kComputeTime}.
  CostModel(const CostModelOptions& options, int num_workers, std::uint64_t seed,
            std::uint64_t run_index);

  int num_workers() const { return num_workers_; }
  const CostModelOptions& options() const { return options_; }

  /// c · s_i: the mean compute time of worker i. Throws std::out_of_range for a bad id.
  double mean_compute_time(int worker) const;

  /// The duration of worker i's next gradient computation, c·s_i·Z with Z drawn from worker
  /// i's own stream (constant: no draw, exactly c·s_i; trace: next value of worker i's line,
  /// cyclically). Successive calls give successive draws; calls for different workers do not
  /// affect each other. Throws std::out_of_range for a bad id.
  double next_compute_time(int worker);

  /// α_uv + bytes/β_uv for one message on link (u, v) (symmetric), slow links applied.
  /// A message from a worker to itself (u = v) uses no link and takes 0. Throws
  /// std::out_of_range for a bad id and std::invalid_argument for negative or non-finite bytes.
  double message_time(int u, int v, double bytes) const;

  /// Ring allreduce of a `bytes`-sized vector among `members` (strictly ascending worker ids;
  /// the ring closes back to the first): 2(m−1)·max over ring links (α_uv + bytes/(m·β_uv));
  /// 0 when m = 1. Throws std::invalid_argument if members is empty or not strictly
  /// ascending or bytes is negative or non-finite, std::out_of_range for a bad id.
  double allreduce_time(std::span<const int> members, double bytes) const;

  /// The parameter server's single shared link, first come first served: a transfer
  /// requested at time t starts at max(t, link free time), occupies the link for bytes/β_s,
  /// and arrives at start + bytes/β_s + α_s (the latency does not occupy the link). Returns
  /// the arrival time and advances the link's free time to start + bytes/β_s. Requests must
  /// come in non-decreasing request time: std::logic_error otherwise (engines process events
  /// in time order); std::invalid_argument for a negative or non-finite time or bytes.
  double server_transfer(double request_time_s, double bytes);

  /// When the server link is next free (0 after construction or reset_server()).
  double server_link_free_time() const { return server_free_time_s_; }

  /// Resets the server link (free at time 0, no request seen) — for a new run.
  void reset_server();

 private:
  /// α_uv and β_uv of one link.
  struct LinkParameters {
    double latency_s;
    double bandwidth_bytes_per_s;
  };
  /// A slowed link keyed by (min(u,v) << 32) | max(u,v); kept sorted by key.
  struct SlowLink {
    std::uint64_t key;
    LinkParameters parameters;
  };

  static std::uint64_t link_key(int u, int v);
  void check_worker(int worker) const;
  LinkParameters link(int u, int v) const;

  CostModelOptions options_;
  int num_workers_;
  std::vector<double> mean_compute_time_s_;    ///< c·s_i
  std::vector<RandomStream> compute_streams_;  ///< rng_i (exponential, lognormal)
  std::vector<std::vector<double>> trace_;     ///< trace: worker i's factors
  std::vector<std::size_t> trace_position_;    ///< trace: index of worker i's next factor
  std::vector<SlowLink> slow_links_;           ///< sorted by key
  double server_free_time_s_ = 0.0;
  double last_server_request_s_ = -std::numeric_limits<double>::infinity();
};

}  // namespace dsgdlab
