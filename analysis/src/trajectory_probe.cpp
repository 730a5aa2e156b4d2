#include "dsgdlab/analysis/trajectory_probe.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

void TrajectoryProbeOptions::validate() const {
  if (noise_samples < 0 || noise_samples > 1'000'000) {
    throw invalid_option("estimators.noise_samples", noise_samples, "must be in [0, 1000000]");
  }
}

TrajectoryProbe::TrajectoryProbe(const Problem& problem,
                                 std::optional<HierarchicalGrouping> hierarchy,
                                 std::vector<double> nominal_weights, RandomStream rng,
                                 const TrajectoryProbeOptions& options)
    : problem_(problem),
      options_(options),
      nominal_weights_(std::move(nominal_weights)),
      rng_(rng),
      noise_(problem, std::max(1, options.noise_samples)),
      local_gradients_(problem.dim(), problem.num_workers()),
      noise_per_worker_(static_cast<std::size_t>(problem.num_workers())) {
  options_.validate();
  const auto n = static_cast<std::size_t>(problem.num_workers());
  if (!nominal_weights_.empty() && nominal_weights_.size() != n) {
    throw std::invalid_argument("TrajectoryProbe: " + std::to_string(nominal_weights_.size()) +
                                " nominal weights for " + std::to_string(n) + " workers");
  }
  columns_.emplace_back("heterogeneity");
  if (!nominal_weights_.empty()) {
    columns_.emplace_back("heterogeneity_weighted");
    weights_.resize(n);
  }
  if (hierarchy && hierarchy->num_levels() >= 2) {
    spread_.emplace(*hierarchy, problem.dim());
    const int levels = spread_->num_levels();
    levels_.resize(static_cast<std::size_t>(levels));
    if (levels == 2) {
      for (const char* name : {"intra_group_divergence", "inter_group_divergence",
                               "intra_group_consensus", "inter_group_consensus"}) {
        columns_.emplace_back(name);
      }
    } else {
      for (const char* kind : {"divergence", "consensus"}) {
        for (int level = 1; level <= levels; ++level) {
          columns_.push_back("level_" + std::to_string(level) + "_" + kind);
        }
      }
    }
  }
  if (options_.noise_samples > 0) {
    columns_.emplace_back("noise_variance_mean");
    columns_.emplace_back("noise_variance_max");
  }
}

void TrajectoryProbe::measure(const CheckpointView& view, std::span<double> values) {
  if (values.size() != columns_.size()) {
    throw std::invalid_argument("TrajectoryProbe::measure: " + std::to_string(values.size()) +
                                " values for " + std::to_string(columns_.size()) + " columns");
  }
  local_gradients(problem_, view.mean, local_gradients_);
  std::size_t column = 0;
  values[column++] = heterogeneity(local_gradients_);
  if (!weights_.empty()) {
    const std::int64_t applied =
        std::accumulate(view.worker_updates.begin(), view.worker_updates.end(), std::int64_t{0});
    if (applied > 0 && view.worker_updates.size() == weights_.size()) {
      for (std::size_t i = 0; i < weights_.size(); ++i) {
        weights_[i] = static_cast<double>(view.worker_updates[i]) / static_cast<double>(applied);
      }
    } else {
      weights_ = nominal_weights_;
    }
    values[column++] = heterogeneity(local_gradients_, weights_);
  }
  if (spread_) {
    spread_->compute(local_gradients_, levels_);
    const auto levels = levels_.size();
    std::copy(levels_.begin(), levels_.end(), values.begin() + static_cast<std::ptrdiff_t>(column));
    column += levels;
    if (view.models.cols() == local_gradients_.cols()) {
      spread_->compute(view.models, levels_);
    } else {  // one server model: every worker holds it, no model divergence
      std::fill(levels_.begin(), levels_.end(), 0.0);
    }
    std::copy(levels_.begin(), levels_.end(), values.begin() + static_cast<std::ptrdiff_t>(column));
    column += levels;
  }
  if (options_.noise_samples > 0) {
    noise_.measure(view.mean, local_gradients_, rng_, noise_per_worker_);
    const double sum = std::accumulate(noise_per_worker_.begin(), noise_per_worker_.end(), 0.0);
    values[column++] = sum / static_cast<double>(noise_per_worker_.size());
    values[column++] = *std::max_element(noise_per_worker_.begin(), noise_per_worker_.end());
  }
}

}  // namespace dsgdlab
