#include "config_errors.hpp"

#include <array>
#include <cctype>

namespace dsgdlab::config_errors {
namespace {

struct Alias {
  std::string_view component;  // as the component's validate() names it
  std::string_view key;        // the configuration key that sets it
};

// Component field names whose configuration key differs. Names that coincide (algorithm.*,
// cost.*, probe.*, run.*, topology.kind, ...) need no entry.
constexpr std::array kAliases{
    Alias{"quadratic.dim", "problem.dim"},
    Alias{"quadratic.num_workers", "run.workers"},
    Alias{"quadratic.curvature_min", "problem.curvature_min"},
    Alias{"quadratic.curvature_max", "problem.curvature_max"},
    Alias{"quadratic.curvature_sharing", "problem.curvature_sharing"},
    Alias{"quadratic.num_groups", "problem.groups"},
    Alias{"quadratic.group_center_spread", "problem.group_center_spread"},
    Alias{"quadratic.worker_center_spread", "problem.worker_center_spread"},
    Alias{"quadratic.noise_variance", "problem.noise_variance"},
    Alias{"quadratic.seed", "run.seed"},
    Alias{"nonconvex_separable.dim", "problem.dim"},
    Alias{"nonconvex_separable.num_workers", "run.workers"},
    Alias{"nonconvex_separable.curvature_min", "problem.curvature_min"},
    Alias{"nonconvex_separable.curvature_max", "problem.curvature_max"},
    Alias{"nonconvex_separable.curvature_sharing", "problem.curvature_sharing"},
    Alias{"nonconvex_separable.num_groups", "problem.groups"},
    Alias{"nonconvex_separable.group_center_spread", "problem.group_center_spread"},
    Alias{"nonconvex_separable.worker_center_spread", "problem.worker_center_spread"},
    Alias{"nonconvex_separable.noise_variance", "problem.noise_variance"},
    Alias{"nonconvex_separable.cosine_weight", "problem.cosine_weight"},
    Alias{"nonconvex_separable.seed", "run.seed"},
    Alias{"logistic_nonconvex.regularization", "problem.regularization"},
    Alias{"mlp.hidden_units", "problem.hidden_units"},
    Alias{"mlp.weight_decay", "problem.weight_decay"},
    Alias{"mlp.init_scale", "problem.init_scale"},
    Alias{"mlp.init_seed", "run.seed"},
    Alias{"robust_regression.scale", "problem.scale"},
    Alias{"gaussian_mixture.num_samples", "data.samples"},
    Alias{"gaussian_mixture.num_features", "data.features"},
    Alias{"gaussian_mixture.num_classes", "data.classes"},
    Alias{"gaussian_mixture.class_separation", "data.separation"},
    Alias{"gaussian_mixture.noise_stddev", "data.noise_stddev"},
    Alias{"libsvm.num_features", "data.num_features"},
    Alias{"libsvm.zero_based", "data.zero_based"},
    Alias{"partition.scheme", "data.partition"},
    Alias{"partition.num_workers", "run.workers"},
    Alias{"partition.dirichlet_alpha", "data.dirichlet_alpha"},
    Alias{"partition.min_samples_per_worker", "data.min_samples_per_worker"},
    Alias{"partition.classes_per_worker", "data.classes_per_worker"},
    Alias{"partition.quantity_skew_alpha", "data.quantity_skew_alpha"},
    Alias{"feature_shift.shift_scale", "data.feature_shift"},
    Alias{"feature_shift.scale_spread", "data.feature_scale_spread"},
    Alias{"regression_targets.truth_scale", "data.truth_scale"},
    Alias{"regression_targets.worker_shift", "data.worker_shift"},
    Alias{"regression_targets.noise_stddev", "data.target_noise"},
    Alias{"regression_targets.outlier_fraction", "data.outlier_fraction"},
    Alias{"regression_targets.outlier_scale", "data.outlier_scale"},
    Alias{"topology.num_workers", "run.workers"},
    Alias{"topology.seed", "run.seed"},
    Alias{"grouping.num_groups", "grouping.groups"},
    Alias{"grouping.num_workers", "run.workers"},
    Alias{"grouping.seed", "run.seed"},
};

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// The key a message starts with: "algorithm.level_periods[1] (3) must ..." gives
// "algorithm.level_periods[1]"; empty when the message does not start with a dotted name.
std::string leading_key(const std::string& message) {
  std::size_t end = 0;
  while (end < message.size() && (is_name_char(message[end]) || message[end] == '.' ||
                                  message[end] == '[' || message[end] == ']')) {
    ++end;
  }
  std::string key = message.substr(0, end);
  while (!key.empty() && key.back() == '.') key.pop_back();
  if (key.find('.') == std::string::npos) return {};
  return key;
}

}  // namespace

std::string to_config_keys(std::string message) {
  for (const auto& alias : kAliases) {
    std::size_t pos = 0;
    while ((pos = message.find(alias.component, pos)) != std::string::npos) {
      const std::size_t end = pos + alias.component.size();
      const bool starts_name = pos == 0 || (!is_name_char(message[pos - 1]) &&
                                            message[pos - 1] != '.' && message[pos - 1] != '/');
      const bool ends_name = end == message.size() || !is_name_char(message[end]);
      if (starts_name && ends_name) {
        message.replace(pos, alias.component.size(), alias.key);
        pos += alias.key.size();
      } else {
        pos = end;
      }
    }
  }
  return message;
}

void throw_config_error(const RunConfig& config, const std::string& message,
                        std::string_view fallback_key) {
  std::string text = to_config_keys(message);
  const std::string key = leading_key(text);
  std::size_t line = 0;
  if (!key.empty()) line = config.line_of(key);
  if (line == 0 && !fallback_key.empty()) {
    line = config.line_of(fallback_key);
    if (key.empty()) text = std::string(fallback_key) + ": " + text;
  }
  if (config.file.empty()) throw InputError(text);
  throw FileFormatError(config.file, line, text);
}

void throw_at(const RunConfig& config, std::string_view key, const std::string& message) {
  if (config.file.empty()) throw InputError(message);
  throw FileFormatError(config.file, config.line_of(key), message);
}

}  // namespace dsgdlab::config_errors
