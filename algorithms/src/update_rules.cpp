#include "dsgdlab/algorithms/update_rules.hpp"

namespace dsgdlab {

void sgd_step(VectorRef model, ConstVectorRef gradient, double step) {
  model.noalias() -= step * gradient;
}

void average_members(MatrixRef models, std::span<const int> members, VectorRef scratch) {
  scratch = models.col(members.front());
  for (std::size_t m = 1; m < members.size(); ++m) scratch += models.col(members[m]);
  mean_from_sum(scratch, static_cast<int>(members.size()));
  for (int member : members) models.col(member) = scratch;
}

void mean_from_sum(VectorRef sum, int members) { sum /= static_cast<double>(members); }

void average_pair(VectorRef a, VectorRef b) {
  a = 0.5 * (a + b);
  b = a;
}

void mix_worker(const SparseMatrix& mixing, int worker, ConstMatrixRef models, VectorRef out) {
  out.setZero();
  for (SparseMatrix::InnerIterator it(mixing, worker); it; ++it) {
    out.noalias() += it.value() * models.col(it.row());
  }
}

void average_columns(ConstMatrixRef models, VectorRef mean) {
  mean = models.col(0);
  for (Index i = 1; i < models.cols(); ++i) mean += models.col(i);
  mean /= static_cast<double>(models.cols());
}

double consensus_distance(ConstMatrixRef models, ConstVectorRef mean) {
  double total = 0.0;
  for (Index i = 0; i < models.cols(); ++i) total += (models.col(i) - mean).squaredNorm();
  return total / static_cast<double>(models.cols());
}

}  // namespace dsgdlab
