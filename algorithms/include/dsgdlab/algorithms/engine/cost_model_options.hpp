#pragma once

/// Options of the time and heterogeneity model shared by every algorithm (theory.md §3).
/// Times are in (virtual) seconds, sizes in bytes; a model is 8·d bytes.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string_view>
#include <vector>

namespace dsgdlab {

/// The random factor Z of a compute time c_i·s_i·Z.
enum class ComputeTimeDistribution {
  kConstant,     ///< "constant": Z = 1
  kExponential,  ///< "exponential": Z ~ Exp(1) (mean 1)
  kLognormal,    ///< "lognormal": Z = exp(σ·N(0,1) − σ²/2) (mean 1)
  kTrace,        ///< "trace": Z replayed from a file, cyclically per worker
};
std::string_view to_string(ComputeTimeDistribution distribution);
ComputeTimeDistribution parse_compute_time_distribution(
    std::string_view name, std::string_view field = "cost.compute_distribution");

/// One worker slowed down: s_i = factor.
struct WorkerSlowdown {
  int worker = 0;
  double factor = 1.0;  ///< > 0; 10 = ten times slower
};

/// One link (u, v) slowed down: α_uv ← α·latency_factor, β_uv ← β/bandwidth_factor.
struct LinkSlowdown {
  int u = 0;
  int v = 0;
  double latency_factor = 1.0;    ///< ≥ 1 typical, > 0 required
  double bandwidth_factor = 1.0;  ///< ≥ 1 typical (bandwidth divided by it), > 0 required
};

struct CostModelOptions {
  /// c: base compute time of one stochastic gradient (minibatch of M), every worker. > 0.
  double compute_time_s = 1.0;
  /// Per-worker slowdowns s_i (default 1 for unlisted workers). Each worker at most once.
  std::vector<WorkerSlowdown> slow_workers{};
  /// Z's distribution. Default constant.
  ComputeTimeDistribution compute_distribution = ComputeTimeDistribution::kConstant;
  /// σ of the lognormal factor, ≥ 0. Default 0.5.
  double lognormal_sigma = 0.5;
  /// trace: a text file with one line per worker (line i = worker i's factors, whitespace
  /// separated, > 0), replayed cyclically; '#' comments allowed.
  std::filesystem::path compute_trace_file{};

  /// α: latency of every worker–worker link. ≥ 0. Default 0 (free communication).
  double link_latency_s = 0.0;
  /// β: bandwidth of every worker–worker link, bytes/s, > 0. Default +∞.
  double link_bandwidth_bytes_per_s = std::numeric_limits<double>::infinity();
  /// Individually slowed links (u ≠ v, each unordered pair at most once).
  std::vector<LinkSlowdown> slow_links{};

  /// The parameter server's single shared link (A-PSGD): latency ≥ 0, bandwidth > 0. Every
  /// pull and push occupies it for bytes/bandwidth seconds, first come first served.
  double server_latency_s = 0.0;
  double server_bandwidth_bytes_per_s = std::numeric_limits<double>::infinity();

  /// Throws InputError naming the field ("cost.…"), the value and the rule; worker ids are
  /// checked against num_workers.
  void validate(int num_workers) const;
};

}  // namespace dsgdlab
