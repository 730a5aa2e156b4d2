#include "dsgdlab/algorithms/algorithm_options.hpp"

#include <array>
#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

constexpr std::array kAlgorithmKinds{AlgorithmKind::kSgd,   AlgorithmKind::kAllreduceSgd,
                                     AlgorithmKind::kDpsgd, AlgorithmKind::kAdpsgd,
                                     AlgorithmKind::kApsgd, AlgorithmKind::kLocalSgd,
                                     AlgorithmKind::kHsgd};

}  // namespace

std::string_view to_string(AlgorithmKind kind) {
  switch (kind) {
    case AlgorithmKind::kSgd: return "sgd";
    case AlgorithmKind::kAllreduceSgd: return "allreduce_sgd";
    case AlgorithmKind::kDpsgd: return "dpsgd";
    case AlgorithmKind::kAdpsgd: return "adpsgd";
    case AlgorithmKind::kApsgd: return "apsgd";
    case AlgorithmKind::kLocalSgd: return "local_sgd";
    case AlgorithmKind::kHsgd: return "hsgd";
  }
  return "unknown";
}

AlgorithmKind parse_algorithm_kind(std::string_view name, std::string_view field) {
  for (auto kind : kAlgorithmKinds) {
    if (to_string(kind) == name) return kind;
  }
  throw invalid_option(field, name,
                       "is not a known algorithm (sgd, allreduce_sgd, dpsgd, adpsgd, apsgd, "
                       "local_sgd, hsgd)");
}

bool is_asynchronous(AlgorithmKind kind) {
  return kind == AlgorithmKind::kAdpsgd || kind == AlgorithmKind::kApsgd;
}

std::string_view to_string(PairingMode mode) {
  return mode == PairingMode::kRandom ? "random" : "bipartite";
}

PairingMode parse_pairing_mode(std::string_view name, std::string_view field) {
  if (name == "random") return PairingMode::kRandom;
  if (name == "bipartite") return PairingMode::kBipartite;
  throw invalid_option(field, name, "must be one of random, bipartite");
}

void AlgorithmOptions::validate() const {
  step.validate();
  if (batch_size < 1)
    throw invalid_option("algorithm.batch_size", batch_size, "must be at least 1");
  if (period < 1) throw invalid_option("algorithm.period", period, "must be at least 1");
  if (local_period < 1) {
    throw invalid_option("algorithm.local_period", local_period, "must be at least 1");
  }
  if (global_period < 1) {
    throw invalid_option("algorithm.global_period", global_period, "must be at least 1");
  }
  if (global_period % local_period != 0) {
    throw invalid_option(
        "algorithm.global_period", global_period,
        "must be a multiple of algorithm.local_period (" + std::to_string(local_period) + ")");
  }
  for (std::size_t l = 0; l < level_periods.size(); ++l) {
    const std::string field = "algorithm.level_periods[" + std::to_string(l) + "]";
    if (level_periods[l] < 1) throw invalid_option(field, level_periods[l], "must be at least 1");
    if (l > 0 && level_periods[l] % level_periods[l - 1] != 0) {
      throw invalid_option(field, level_periods[l],
                           "must be a multiple of algorithm.level_periods[" +
                               std::to_string(l - 1) + "] (" +
                               std::to_string(level_periods[l - 1]) + ")");
    }
  }
  if (!level_periods.empty() && kind != AlgorithmKind::kHsgd) {
    throw InputError("algorithm.level_periods is only used by hsgd, but algorithm.name is \"" +
                     std::string(to_string(kind)) + "\"");
  }
}

std::vector<std::int64_t> AlgorithmOptions::averaging_periods() const {
  switch (kind) {
    case AlgorithmKind::kAllreduceSgd: return {1};
    case AlgorithmKind::kLocalSgd: return {period};
    case AlgorithmKind::kHsgd:
      if (!level_periods.empty()) return level_periods;
      return {local_period, global_period};
    default: return {};
  }
}

}  // namespace dsgdlab
