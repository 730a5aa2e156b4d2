#include "dsgdlab/problems/dataset.hpp"

#include <string>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

void Dataset::validate() const {
  if (num_classes < 1)
    throw invalid_option("dataset.num_classes", num_classes, "must be at least 1");
  if (static_cast<Index>(labels.size()) != num_samples()) {
    throw InputError("dataset.labels has " + std::to_string(labels.size()) +
                     " entries but the feature matrix has " + std::to_string(num_samples()) +
                     " samples (columns)");
  }
  for (std::size_t s = 0; s < labels.size(); ++s) {
    if (labels[s] < 0 || labels[s] >= num_classes) {
      throw invalid_option("dataset.labels[" + std::to_string(s) + "]", labels[s],
                           "must lie in [0, num_classes = " + std::to_string(num_classes) + ")");
    }
  }
  if (targets.size() != 0 && targets.size() != num_samples()) {
    throw InputError("dataset.targets has " + std::to_string(targets.size()) +
                     " entries; it must be empty or have one per sample (" +
                     std::to_string(num_samples()) + ")");
  }
}

void Partition::validate(Index num_samples) const {
  if (worker_samples.empty()) throw InputError("partition has no workers");
  std::vector<int> owner(static_cast<std::size_t>(num_samples), -1);
  for (int i = 0; i < num_workers(); ++i) {
    const auto& samples = worker_samples[static_cast<std::size_t>(i)];
    if (samples.empty()) {
      throw InputError("partition: worker " + std::to_string(i) + " has no samples");
    }
    for (Index s : samples) {
      if (s < 0 || s >= num_samples) {
        throw InputError("partition: worker " + std::to_string(i) + " holds sample " +
                         std::to_string(s) + ", outside [0, " + std::to_string(num_samples) + ")");
      }
      auto& o = owner[static_cast<std::size_t>(s)];
      if (o != -1) {
        throw InputError("partition: sample " + std::to_string(s) + " is held by workers " +
                         std::to_string(o) + " and " + std::to_string(i));
      }
      o = i;
    }
  }
  for (std::size_t s = 0; s < owner.size(); ++s) {
    if (owner[s] == -1)
      throw InputError("partition: sample " + std::to_string(s) + " is held by no worker");
  }
}

std::vector<std::vector<Index>> Partition::label_counts(const Dataset& data) const {
  std::vector<std::vector<Index>> counts(
      worker_samples.size(), std::vector<Index>(static_cast<std::size_t>(data.num_classes), 0));
  for (std::size_t i = 0; i < worker_samples.size(); ++i) {
    for (Index s : worker_samples[i])
      ++counts[i][static_cast<std::size_t>(data.labels[static_cast<std::size_t>(s)])];
  }
  return counts;
}

}  // namespace dsgdlab
