#include "dsgdlab/problems/finite_sum_problem.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {

FiniteSumProblem::FiniteSumProblem(std::shared_ptr<const Dataset> data, Partition partition)
    : data_(std::move(data)), partition_(std::move(partition)) {
  if (!data_) throw InputError("finite-sum problem: the data set is missing (null pointer)");
  data_->validate();
  partition_.validate(data_->num_samples());
}

const std::vector<Index>& FiniteSumProblem::samples_of(int worker) const {
  if (worker < 0 || worker >= partition_.num_workers()) {
    throw std::out_of_range(std::string(name()) + ": worker " + std::to_string(worker) +
                            " outside [0, " + std::to_string(partition_.num_workers()) + ")");
  }
  return partition_.worker_samples[static_cast<std::size_t>(worker)];
}

void FiniteSumProblem::check_size(const char* what, Index size) const {
  if (size != dim()) {
    throw std::invalid_argument(std::string(name()) + ": " + what + " has " + std::to_string(size) +
                                " entries, expected dim() = " + std::to_string(dim()));
  }
}

double FiniteSumProblem::local_loss(int worker, ConstVectorRef x) const {
  const auto& samples = samples_of(worker);
  check_size("x", x.size());
  double total = 0.0;
  for (Index s : samples) total += sample_loss(s, x);
  return total / static_cast<double>(samples.size()) + regularizer(x);
}

void FiniteSumProblem::local_gradient(int worker, ConstVectorRef x, VectorRef out) const {
  const auto& samples = samples_of(worker);
  check_size("x", x.size());
  check_size("the gradient buffer", out.size());
  const double weight = 1.0 / static_cast<double>(samples.size());
  out.setZero();
  for (Index s : samples) add_sample_gradient(s, x, weight, out);
  add_regularizer_gradient(x, out);
}

void FiniteSumProblem::stochastic_gradient(int worker, ConstVectorRef x, int batch_size,
                                           RandomStream& rng, VectorRef out) const {
  const auto& samples = samples_of(worker);
  check_size("x", x.size());
  check_size("the gradient buffer", out.size());
  if (batch_size < 1) {
    throw std::invalid_argument(std::string(name()) + ": batch size (" +
                                std::to_string(batch_size) + ") must be at least 1");
  }
  const auto count = static_cast<std::uint64_t>(samples.size());
  const double weight = 1.0 / static_cast<double>(batch_size);
  out.setZero();
  for (int m = 0; m < batch_size; ++m) {
    const auto k = static_cast<std::size_t>(rng.uniform_index(count));
    add_sample_gradient(samples[k], x, weight, out);
  }
  add_regularizer_gradient(x, out);
}

void FiniteSumProblem::sample_gradient(int worker, ConstVectorRef x, RandomStream& rng,
                                       VectorRef out) const {
  const auto& samples = samples_of(worker);
  const auto k = rng.uniform_index(static_cast<std::uint64_t>(samples.size()));
  local_sample_gradient(worker, static_cast<Index>(k), x, out);
}

Index FiniteSumProblem::local_sample_count(int worker) const {
  return static_cast<Index>(samples_of(worker).size());
}

void FiniteSumProblem::local_sample_gradient(int worker, Index k, ConstVectorRef x,
                                             VectorRef out) const {
  const auto& samples = samples_of(worker);
  if (k < 0 || k >= static_cast<Index>(samples.size())) {
    throw std::out_of_range(std::string(name()) + ": sample position " + std::to_string(k) +
                            " outside [0, " + std::to_string(samples.size()) + ") of worker " +
                            std::to_string(worker));
  }
  check_size("x", x.size());
  check_size("the gradient buffer", out.size());
  out.setZero();
  add_sample_gradient(samples[static_cast<std::size_t>(k)], x, 1.0, out);
  add_regularizer_gradient(x, out);
}

}  // namespace dsgdlab
