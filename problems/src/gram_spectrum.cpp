#include "dsgdlab/problems/gram_spectrum.hpp"

#include <Spectra/SymEigsSolver.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

/// Spectra operator for G_i = (1/n_i) Σ_{s∈S_i} a_s a_sᵀ, applied matrix-free:
/// y = (1/n_i) Σ_s a_s (a_sᵀ x).
class LocalGramOperator {
 public:
  using Scalar = double;

  LocalGramOperator(const Matrix& features, const std::vector<Index>& samples)
      : features_(features), samples_(samples) {}

  Index rows() const { return features_.rows(); }
  Index cols() const { return features_.rows(); }

  void perform_op(const double* x_in, double* y_out) const {
    const Eigen::Map<const Vector> x(x_in, rows());
    Eigen::Map<Vector> y(y_out, rows());
    y.setZero();
    for (Index s : samples_) y += features_.col(s).dot(x) * features_.col(s);
    y /= static_cast<double>(samples_.size());
  }

 private:
  const Matrix& features_;
  const std::vector<Index>& samples_;
};

double trace_bound(const Matrix& features, const std::vector<Index>& samples) {
  double total = 0.0;
  for (Index s : samples) total += features.col(s).squaredNorm();
  return total / static_cast<double>(samples.size());
}

LocalGramEigenvalue dense_eigenvalue(const Matrix& features, const std::vector<Index>& samples,
                                     const GramSpectrumOptions& options) {
  const Index p = features.rows();
  Matrix gram = Matrix::Zero(p, p);
  for (Index s : samples) gram.selfadjointView<Eigen::Lower>().rankUpdate(features.col(s));
  gram /= static_cast<double>(samples.size());
  Eigen::SelfAdjointEigenSolver<Matrix> solver(gram, Eigen::EigenvaluesOnly);
  const double top = std::max(0.0, solver.eigenvalues().maxCoeff());
  return {.value = top * (1.0 + options.inflation),
          .method = GramEigenvalueMethod::kDense,
          .iterations = 0};
}

LocalGramEigenvalue lanczos_eigenvalue(const Matrix& features, const std::vector<Index>& samples,
                                       const GramSpectrumOptions& options) {
  LocalGramOperator op(features, samples);
  const Index basis = std::min(options.lanczos_basis_size, features.rows());
  Spectra::SymEigsSolver<LocalGramOperator> solver(op, 1, basis);
  solver.init();
  solver.compute(Spectra::SortRule::LargestAlge, options.max_restarts, options.relative_tolerance);
  const Vector values = solver.eigenvalues();  // the converged ones: empty on failure
  if (solver.info() == Spectra::CompInfo::Successful && values.size() == 1) {
    const double top = values[0] > 0.0 ? values[0] : 0.0;
    return {.value = top * (1.0 + options.inflation),
            .method = GramEigenvalueMethod::kLanczos,
            .iterations = solver.num_iterations()};
  }
  return {.value = trace_bound(features, samples),
          .method = GramEigenvalueMethod::kTraceBound,
          .iterations = solver.num_iterations()};
}

}  // namespace

std::string_view to_string(GramEigenvalueMethod method) {
  switch (method) {
    case GramEigenvalueMethod::kDense: return "dense";
    case GramEigenvalueMethod::kLanczos: return "lanczos";
    case GramEigenvalueMethod::kTraceBound: return "trace_bound";
  }
  return "unknown";
}

void GramSpectrumOptions::validate() const {
  if (dense_max_features < 0) {
    throw invalid_option("gram_spectrum.dense_max_features", dense_max_features,
                         "must be non-negative");
  }
  if (!(relative_tolerance > 0.0 && relative_tolerance <= 1e-2)) {
    throw invalid_option("gram_spectrum.relative_tolerance", relative_tolerance,
                         "must lie in (0, 1e-2]");
  }
  if (!(inflation >= relative_tolerance) || !std::isfinite(inflation)) {
    throw invalid_option("gram_spectrum.inflation", inflation,
                         "must be finite and at least gram_spectrum.relative_tolerance (" +
                             describe_value(relative_tolerance) + ")");
  }
  if (max_restarts < 1)
    throw invalid_option("gram_spectrum.max_restarts", max_restarts, "must be at least 1");
  if (lanczos_basis_size < 2) {
    throw invalid_option("gram_spectrum.lanczos_basis_size", lanczos_basis_size,
                         "must be at least 2");
  }
}

bool GramSpectrumBound::used_trace_bound() const {
  return std::any_of(workers.begin(), workers.end(), [](const LocalGramEigenvalue& w) {
    return w.method == GramEigenvalueMethod::kTraceBound;
  });
}

GramSpectrumBound local_gram_spectrum(const Dataset& data, const Partition& partition,
                                      const GramSpectrumOptions& options) {
  options.validate();
  data.validate();
  partition.validate(data.num_samples());
  const Matrix& features = data.features;
  const Index p = features.rows();

  GramSpectrumBound result;
  result.workers.reserve(partition.worker_samples.size());
  for (const auto& samples : partition.worker_samples) {
    const double trace = trace_bound(features, samples);
    LocalGramEigenvalue local;
    if (trace == 0.0 || p == 0) {
      // All of this worker's samples are zero: G_i = 0 and the trace bound is exact.
      local = {.value = 0.0, .method = GramEigenvalueMethod::kTraceBound, .iterations = 0};
    } else if (p <= options.dense_max_features || p < 3) {
      // Lanczos needs a basis of at least nev + 1 = 2 < p vectors; tiny p is dense anyway.
      local = dense_eigenvalue(features, samples, options);
    } else {
      local = lanczos_eigenvalue(features, samples, options);
    }
    result.workers.push_back(local);
  }
  for (std::size_t i = 0; i < result.workers.size(); ++i) {
    if (result.workers[i].value > result.value || i == 0) {
      result.value = result.workers[i].value;
      result.worst_worker = static_cast<int>(i);
    }
  }
  return result;
}

double max_local_gram_eigenvalue(const Dataset& data, const Partition& partition) {
  return local_gram_spectrum(data, partition).value;
}

}  // namespace dsgdlab
