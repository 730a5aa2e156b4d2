#include "dsgdlab/algorithms/engine/cost_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "dsgdlab/algorithms/engine/compute_trace.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

/// Sizes are finite and non-negative (b/∞ = 0 needs a finite b).
void check_bytes(const char* what, double bytes) {
  if (!(bytes >= 0.0) || !std::isfinite(bytes)) {
    throw std::invalid_argument(std::string("cost model: ") + what + " size " +
                                describe_value(bytes) +
                                " must be a non-negative finite number of bytes");
  }
}

}  // namespace

CostModel::CostModel(const CostModelOptions& options, int num_workers, std::uint64_t seed,
                     std::uint64_t run_index)
    : options_(options), num_workers_(num_workers) {
  if (num_workers < 1)
    throw invalid_option("cost model num_workers", num_workers, "must be at least 1");
  options_.validate(num_workers);
  const auto n = static_cast<std::size_t>(num_workers);

  mean_compute_time_s_.assign(n, options_.compute_time_s);
  for (const auto& slow : options_.slow_workers) {
    mean_compute_time_s_[static_cast<std::size_t>(slow.worker)] =
        options_.compute_time_s * slow.factor;
  }
  compute_streams_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    compute_streams_.emplace_back(StreamKey{.seed = seed,
                                            .run = run_index,
                                            .worker = static_cast<std::uint64_t>(i),
                                            .purpose = StreamPurpose::kComputeTime});
  }
  if (options_.compute_distribution == ComputeTimeDistribution::kTrace) {
    trace_ = read_compute_trace(options_.compute_trace_file, num_workers);
    trace_position_.assign(n, 0);
  }

  slow_links_.reserve(options_.slow_links.size());
  for (const auto& slow : options_.slow_links) {
    slow_links_.push_back(
        SlowLink{.key = link_key(slow.u, slow.v),
                 .parameters = {.latency_s = options_.link_latency_s * slow.latency_factor,
                                .bandwidth_bytes_per_s =
                                    options_.link_bandwidth_bytes_per_s / slow.bandwidth_factor}});
  }
  std::sort(slow_links_.begin(), slow_links_.end(),
            [](const SlowLink& a, const SlowLink& b) { return a.key < b.key; });
}

std::uint64_t CostModel::link_key(int u, int v) {
  const auto low = static_cast<std::uint64_t>(std::min(u, v));
  const auto high = static_cast<std::uint64_t>(std::max(u, v));
  return (low << 32) | high;
}

void CostModel::check_worker(int worker) const {
  if (worker < 0 || worker >= num_workers_) {
    throw std::out_of_range("cost model: worker id " + std::to_string(worker) + " is outside [0, " +
                            std::to_string(num_workers_) + ")");
  }
}

CostModel::LinkParameters CostModel::link(int u, int v) const {
  const LinkParameters uniform{.latency_s = options_.link_latency_s,
                               .bandwidth_bytes_per_s = options_.link_bandwidth_bytes_per_s};
  if (slow_links_.empty()) return uniform;
  const std::uint64_t key = link_key(u, v);
  const auto it =
      std::lower_bound(slow_links_.begin(), slow_links_.end(), key,
                       [](const SlowLink& link, std::uint64_t k) { return link.key < k; });
  return (it != slow_links_.end() && it->key == key) ? it->parameters : uniform;
}

double CostModel::mean_compute_time(int worker) const {
  check_worker(worker);
  return mean_compute_time_s_[static_cast<std::size_t>(worker)];
}

double CostModel::next_compute_time(int worker) {
  check_worker(worker);
  const auto i = static_cast<std::size_t>(worker);
  const double mean = mean_compute_time_s_[i];
  switch (options_.compute_distribution) {
    case ComputeTimeDistribution::kConstant: return mean;
    case ComputeTimeDistribution::kExponential: return mean * compute_streams_[i].exponential(1.0);
    case ComputeTimeDistribution::kLognormal: {
      const double sigma = options_.lognormal_sigma;
      return mean * std::exp(sigma * compute_streams_[i].normal() - 0.5 * sigma * sigma);
    }
    case ComputeTimeDistribution::kTrace: {
      const std::vector<double>& factors = trace_[i];
      std::size_t& position = trace_position_[i];
      const double factor = factors[position];
      position = position + 1 == factors.size() ? 0 : position + 1;
      return mean * factor;
    }
  }
  throw std::logic_error("cost model: unknown compute-time distribution");
}

double CostModel::message_time(int u, int v, double bytes) const {
  check_worker(u);
  check_worker(v);
  check_bytes("message", bytes);
  if (u == v) return 0.0;
  const LinkParameters parameters = link(u, v);
  return parameters.latency_s + bytes / parameters.bandwidth_bytes_per_s;
}

double CostModel::allreduce_time(std::span<const int> members, double bytes) const {
  if (members.empty()) throw std::invalid_argument("cost model: allreduce with no members");
  check_bytes("allreduce", bytes);
  for (std::size_t k = 0; k < members.size(); ++k) {
    check_worker(members[k]);
    if (k > 0 && !(members[k - 1] < members[k])) {
      throw std::invalid_argument("cost model: allreduce members must be strictly ascending, " +
                                  std::to_string(members[k - 1]) + " is followed by " +
                                  std::to_string(members[k]));
    }
  }
  const std::size_t m = members.size();
  if (m == 1) return 0.0;
  const double chunk_count = static_cast<double>(m);
  double slowest_step_s = 0.0;
  for (std::size_t k = 0; k < m; ++k) {
    const LinkParameters parameters = link(members[k], members[k + 1 == m ? 0 : k + 1]);
    const double step_s =
        parameters.latency_s + bytes / (chunk_count * parameters.bandwidth_bytes_per_s);
    slowest_step_s = std::max(slowest_step_s, step_s);
  }
  return 2.0 * static_cast<double>(m - 1) * slowest_step_s;
}

double CostModel::server_transfer(double request_time_s, double bytes) {
  if (!(request_time_s >= 0.0) || !std::isfinite(request_time_s)) {
    throw std::invalid_argument("cost model: server request time " +
                                describe_value(request_time_s) +
                                " must be a non-negative finite number");
  }
  check_bytes("server transfer", bytes);
  if (request_time_s < last_server_request_s_) {
    throw std::logic_error("cost model: server transfer requested at " +
                           describe_value(request_time_s) + " s after one requested at " +
                           describe_value(last_server_request_s_) +
                           " s; requests must come in non-decreasing time");
  }
  last_server_request_s_ = request_time_s;
  const double start_s = std::max(request_time_s, server_free_time_s_);
  server_free_time_s_ = start_s + bytes / options_.server_bandwidth_bytes_per_s;
  return server_free_time_s_ + options_.server_latency_s;
}

void CostModel::reset_server() {
  server_free_time_s_ = 0.0;
  last_server_request_s_ = -std::numeric_limits<double>::infinity();
}

}  // namespace dsgdlab
