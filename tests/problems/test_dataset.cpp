#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/dataset.hpp"

namespace dsgdlab {
namespace {

/// Expects `action` to throw InputError whose message contains every one of `parts`.
template <typename Action>
void expect_input_error(Action&& action, const std::vector<std::string>& parts) {
  try {
    action();
    ADD_FAILURE() << "expected InputError mentioning '" << parts.front() << "'";
  } catch (const InputError& error) {
    const std::string message = error.what();
    for (const auto& part : parts)
      EXPECT_NE(message.find(part), std::string::npos) << "message: " << message;
  }
}

/// Three samples with two features, labels {0, 1, 1}, K = 2.
Dataset small_dataset() {
  Dataset data;
  data.features = Matrix::Zero(2, 3);
  data.labels = {0, 1, 1};
  data.num_classes = 2;
  return data;
}

TEST(DatasetValidate, AcceptsConsistentData) {
  Dataset data = small_dataset();
  EXPECT_NO_THROW(data.validate());
  data.targets = Vector::Ones(3);
  EXPECT_NO_THROW(data.validate());
  EXPECT_EQ(data.num_features(), 2);
  EXPECT_EQ(data.num_samples(), 3);
}

TEST(DatasetValidate, RejectsTooFewClasses) {
  Dataset data = small_dataset();
  data.num_classes = 0;
  expect_input_error([&] { data.validate(); }, {"dataset.num_classes (0)", "at least 1"});
}

TEST(DatasetValidate, RejectsLabelCountMismatch) {
  Dataset data = small_dataset();
  data.labels.push_back(0);
  expect_input_error([&] { data.validate(); }, {"dataset.labels has 4 entries", "3 samples"});
}

TEST(DatasetValidate, RejectsLabelOutsideClassRange) {
  Dataset data = small_dataset();
  data.labels[2] = 2;
  expect_input_error([&] { data.validate(); }, {"dataset.labels[2] (2)", "num_classes = 2"});
  data.labels[2] = -1;
  expect_input_error([&] { data.validate(); }, {"dataset.labels[2] (-1)"});
}

TEST(DatasetValidate, RejectsTargetsOfWrongLength) {
  Dataset data = small_dataset();
  data.targets = Vector::Ones(2);
  expect_input_error([&] { data.validate(); }, {"dataset.targets has 2 entries", "(3)"});
}

TEST(PartitionValidate, AcceptsAnExactCover) {
  const Partition partition{{{0, 2}, {1}}};
  EXPECT_EQ(partition.num_workers(), 2);
  EXPECT_NO_THROW(partition.validate(3));
}

TEST(PartitionValidate, RejectsNoWorkers) {
  expect_input_error([] { Partition{}.validate(3); }, {"no workers"});
}

TEST(PartitionValidate, RejectsAnEmptyWorker) {
  const Partition partition{{{0, 1, 2}, {}}};
  expect_input_error([&] { partition.validate(3); }, {"worker 1 has no samples"});
}

TEST(PartitionValidate, RejectsSampleOutOfRange) {
  const Partition high{{{0, 1}, {3}}};
  expect_input_error([&] { high.validate(3); }, {"worker 1 holds sample 3", "[0, 3)"});
  const Partition negative{{{-1, 0, 1, 2}}};
  expect_input_error([&] { negative.validate(3); }, {"worker 0 holds sample -1"});
}

TEST(PartitionValidate, RejectsSampleHeldTwice) {
  const Partition partition{{{0, 1}, {1, 2}}};
  expect_input_error([&] { partition.validate(3); }, {"sample 1 is held by workers 0 and 1"});
}

TEST(PartitionValidate, RejectsSampleHeldByNobody) {
  const Partition partition{{{0}, {2}}};
  expect_input_error([&] { partition.validate(3); }, {"sample 1 is held by no worker"});
}

TEST(PartitionLabelCounts, CountsClassesPerWorker) {
  Dataset data;
  data.features = Matrix::Zero(1, 6);
  data.labels = {0, 2, 2, 1, 0, 2};
  data.num_classes = 3;
  const Partition partition{{{0, 1, 2}, {3, 4, 5}}};
  const std::vector<std::vector<Index>> expected{{1, 0, 2}, {1, 1, 1}};
  EXPECT_EQ(partition.label_counts(data), expected);
}

}  // namespace
}  // namespace dsgdlab
