#pragma once

/// Labelled data sets and their assignment to workers.

#include <cstdint>
#include <vector>

#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// A data set with one sample per column (column-major storage keeps a sample contiguous).
struct Dataset {
  /// p × N feature matrix; column s is sample s.
  Matrix features;
  /// N class labels in [0, num_classes).
  std::vector<int> labels;
  /// Number of classes K (≥ 1).
  int num_classes = 0;
  /// Optional regression targets: empty, or N values (robust_regression fills them).
  Vector targets;

  Index num_features() const { return features.rows(); }
  Index num_samples() const { return features.cols(); }

  /// Checks sizes and label range; throws InputError naming what is wrong.
  void validate() const;
};

/// Which samples each worker holds: worker_samples[i] lists the sample indices of worker i.
struct Partition {
  std::vector<std::vector<Index>> worker_samples;

  int num_workers() const { return static_cast<int>(worker_samples.size()); }

  /// Checks that every sample in [0, num_samples) is assigned to exactly one worker and that
  /// every worker has at least one sample; throws InputError naming the first violation.
  void validate(Index num_samples) const;

  /// label_counts[i][k] = number of samples of class k held by worker i.
  std::vector<std::vector<Index>> label_counts(const Dataset& data) const;
};

}  // namespace dsgdlab
