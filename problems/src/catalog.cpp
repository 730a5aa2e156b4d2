#include "dsgdlab/problems/catalog.hpp"

#include <array>

namespace dsgdlab {

std::span<const CatalogEntry> problem_catalog() {
  static constexpr std::array kEntries{
      CatalogEntry{"quadratic",
                   "f_i(x) = 1/2 (x - b_i)^T A_i (x - b_i), diagonal A_i per worker or group, "
                   "Gaussian gradient noise; L, f*, sigma^2 exact"},
      CatalogEntry{"nonconvex_separable",
                   "diagonal quadratic + lambda sum_j cos(x_j), lambda > min curvature; exact L "
                   "and f* (per-coordinate global minimisation)"},
      CatalogEntry{"logistic_nonconvex",
                   "binary logistic regression + lambda sum_j x_j^2/(1+x_j^2), minibatch "
                   "sampling; analytic upper bound on L"},
      CatalogEntry{"mlp", "one hidden tanh layer, softmax cross-entropy over K classes"},
      CatalogEntry{"robust_regression",
                   "linear model, loss log(1 + r^2/c^2), per-worker ground-truth shift; "
                   "analytic upper bound on L"},
  };
  return kEntries;
}

std::span<const CatalogEntry> partition_catalog() {
  static constexpr std::array kEntries{
      CatalogEntry{"iid", "shuffle and split into equal parts"},
      CatalogEntry{"dirichlet",
                   "label skew: each class split across workers by Dir(alpha) proportions, "
                   "with a minimum partition size"},
      CatalogEntry{"classes_per_worker",
                   "pathological label skew: each worker holds exactly k classes"},
      CatalogEntry{"quantity_skew", "IID labels, partition sizes from Dir(alpha)"},
      CatalogEntry{"feature_shift",
                   "transform, composes with any scheme: worker i's features become s_i a + "
                   "delta_i"},
  };
  return kEntries;
}

}  // namespace dsgdlab
