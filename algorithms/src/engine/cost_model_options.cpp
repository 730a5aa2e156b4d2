#include "dsgdlab/algorithms/engine/cost_model_options.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

std::string_view to_string(ComputeTimeDistribution distribution) {
  switch (distribution) {
    case ComputeTimeDistribution::kConstant: return "constant";
    case ComputeTimeDistribution::kExponential: return "exponential";
    case ComputeTimeDistribution::kLognormal: return "lognormal";
    case ComputeTimeDistribution::kTrace: return "trace";
  }
  return "unknown";
}

ComputeTimeDistribution parse_compute_time_distribution(std::string_view name,
                                                        std::string_view field) {
  for (auto d : {ComputeTimeDistribution::kConstant, ComputeTimeDistribution::kExponential,
                 ComputeTimeDistribution::kLognormal, ComputeTimeDistribution::kTrace}) {
    if (to_string(d) == name) return d;
  }
  throw invalid_option(field, name, "must be one of constant, exponential, lognormal, trace");
}

void CostModelOptions::validate(int num_workers) const {
  const auto positive_finite = [](std::string_view field, double value) {
    if (!(value > 0.0) || !std::isfinite(value)) {
      throw invalid_option(field, value, "must be a positive finite number");
    }
  };
  const auto nonnegative_finite = [](std::string_view field, double value) {
    if (!(value >= 0.0) || !std::isfinite(value)) {
      throw invalid_option(field, value, "must be a non-negative finite number");
    }
  };
  const auto positive = [](std::string_view field, double value) {
    if (!(value > 0.0)) throw invalid_option(field, value, "must be positive (inf allowed)");
  };
  const auto worker_id = [num_workers](const std::string& field, int worker) {
    if (worker < 0 || worker >= num_workers) {
      throw invalid_option(field, worker,
                           "must be a worker id in [0, " + std::to_string(num_workers) + ")");
    }
  };

  positive_finite("cost.compute_time_s", compute_time_s);
  std::set<int> slowed;
  for (std::size_t k = 0; k < slow_workers.size(); ++k) {
    const std::string prefix = "cost.slow_workers[" + std::to_string(k) + "]";
    worker_id(prefix + ".worker", slow_workers[k].worker);
    positive_finite(prefix + ".factor", slow_workers[k].factor);
    if (!slowed.insert(slow_workers[k].worker).second) {
      throw invalid_option(prefix + ".worker", slow_workers[k].worker, "is listed twice");
    }
  }
  nonnegative_finite("cost.lognormal_sigma", lognormal_sigma);
  if (compute_distribution == ComputeTimeDistribution::kTrace && compute_trace_file.empty()) {
    throw InputError(
        "cost.compute_trace_file must name a file when cost.compute_distribution is \"trace\"");
  }
  nonnegative_finite("cost.link_latency_s", link_latency_s);
  positive("cost.link_bandwidth_bytes_per_s", link_bandwidth_bytes_per_s);
  std::set<std::pair<int, int>> links;
  for (std::size_t k = 0; k < slow_links.size(); ++k) {
    const std::string prefix = "cost.slow_links[" + std::to_string(k) + "]";
    const auto& link = slow_links[k];
    worker_id(prefix + ".u", link.u);
    worker_id(prefix + ".v", link.v);
    if (link.u == link.v) {
      throw invalid_option(prefix + ".v", link.v,
                           "must differ from " + prefix + ".u (" + std::to_string(link.u) + ")");
    }
    positive_finite(prefix + ".latency_factor", link.latency_factor);
    positive_finite(prefix + ".bandwidth_factor", link.bandwidth_factor);
    if (!links.insert(std::minmax(link.u, link.v)).second) {
      throw InputError(prefix + " slows link {" + std::to_string(link.u) + ", " +
                       std::to_string(link.v) + "}, which is listed twice");
    }
  }
  nonnegative_finite("cost.server_latency_s", server_latency_s);
  positive("cost.server_bandwidth_bytes_per_s", server_bandwidth_bytes_per_s);
}

}  // namespace dsgdlab
