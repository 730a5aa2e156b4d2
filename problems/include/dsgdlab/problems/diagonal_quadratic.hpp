#pragma once

/// Shared machinery of the synthetic problems built on per-worker diagonal quadratics
/// (`quadratic`, `nonconvex_separable`): worker i has diagonal curvatures a_i ∈ R^d (a_ij > 0)
/// and a centre b_i ∈ R^d, stored as two d × n matrices (column i = worker i), plus additive
/// isotropic Gaussian gradient noise.
///
/// Instance generation (reproducible, a pure function of the options; no thread is involved):
/// - spectrum: s_j = curvature_min · (curvature_max / curvature_min)^{j/(d−1)}, j = 0..d−1,
///   with s_{d−1} set to curvature_max exactly (d = 1: s_0 = curvature_max);
/// - groups: workers are split into `num_groups` contiguous blocks whose sizes differ by at most
///   one, the larger blocks first (n = 7, N = 3 gives {0,1,2}, {3,4}, {5,6});
/// - curvatures: a_ij = s_{π_i(j)} with π_i the identity (kShared), the permutation of worker
///   i's group (kPerGroup; group 0 keeps the identity), or worker i's own permutation
///   (kPerWorker; every worker is permuted);
/// - centres: b_i = c_{g(i)} + worker_center_spread · u_i, c_g = group_center_spread · w_g, with
///   u_i, w_g ~ N(0, I_d / d) (so E‖c_g‖² = group_center_spread², E‖b_i − c_g‖² =
///   worker_center_spread²).
///
/// Random streams (all with purpose kProblemInstance and run 0):
/// - StreamKey{.seed = seed, .run = 0, .worker = kNoWorker}: first w_0, w_1, …, w_{N−1}
///   (d standard normals each, divided by √d), then, for kPerGroup only, the permutations of
///   groups 1, …, N−1 in that order (RandomStream::shuffle of the identity 0..d−1);
/// - StreamKey{.seed = seed, .run = 0, .worker = i}: first u_i (d standard normals divided by √d),
///   then, for kPerWorker only, worker i's permutation (RandomStream::shuffle).
/// Consequences: the centres do not depend on curvature_sharing; u_i does not depend on n or N;
/// w_g does not depend on N (for g < N).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/core/random.hpp"
#include "dsgdlab/core/types.hpp"

namespace dsgdlab {

/// Whether workers share their curvature (Hessian) or not.
enum class CurvatureSharing {
  kShared,     ///< "shared": every A_i is diag(spectrum)
  kPerGroup,   ///< "per_group": one seeded permutation of the spectrum per group (group 0: none)
  kPerWorker,  ///< "per_worker": one seeded permutation of the spectrum per worker
};

/// Stable names "shared", "per_group", "per_worker".
std::string_view to_string(CurvatureSharing sharing);

/// Inverse of to_string. Throws InputError naming `field` and the value and listing the valid
/// names, e.g. `quadratic.curvature_sharing ("per_node") must be one of shared, per_group,
/// per_worker`.
CurvatureSharing parse_curvature_sharing(std::string_view text,
                                         std::string_view field = "curvature_sharing");

/// Options of a diagonal-quadratic instance (used by `quadratic` and `nonconvex_separable`).
///
/// | option               | default | range                         |
/// |----------------------|---------|-------------------------------|
/// | dim                  | 10      | ≥ 1                           |
/// | num_workers          | 4       | ≥ 1                           |
/// | curvature_min        | 0.1     | > 0, finite                   |
/// | curvature_max        | 1.0     | ≥ curvature_min, finite       |
/// | curvature_sharing    | shared  | shared, per_group, per_worker |
/// | num_groups           | 1       | 1 ≤ num_groups ≤ num_workers  |
/// | group_center_spread  | 1.0     | ≥ 0, finite                   |
/// | worker_center_spread | 1.0     | ≥ 0, finite                   |
/// | noise_variance       | 1.0     | ≥ 0, finite                   |
/// | seed                 | 0       | any                           |
struct DiagonalQuadraticOptions {
  /// Model dimension d.
  Index dim = 10;
  /// Number of workers n.
  int num_workers = 4;
  /// Smallest diagonal curvature (first entry of the geometric spectrum).
  double curvature_min = 0.1;
  /// Largest diagonal curvature (last entry of the geometric spectrum).
  double curvature_max = 1.0;
  /// Whether the workers' curvatures are equal, equal within groups, or all different.
  CurvatureSharing curvature_sharing = CurvatureSharing::kShared;
  /// Number N of contiguous groups; used by kPerGroup curvature and by the centres.
  int num_groups = 1;
  /// Scale of the group centres c_g (E‖c_g‖² = group_center_spread²): inter-group
  /// heterogeneity.
  double group_center_spread = 1.0;
  /// Scale of the workers' offsets from their group centre (E‖b_i − c_g‖² =
  /// worker_center_spread²): intra-group heterogeneity.
  double worker_center_spread = 1.0;
  /// σ²: the per-sample gradient noise is N(0, (σ²/d) I_d), so E‖noise‖² = σ² exactly.
  double noise_variance = 1.0;
  /// Seed of the instance's random streams (see the file comment for the keys).
  std::uint64_t seed = 0;

  /// Throws InputError naming the first invalid field, prefixed by `problem_name`, e.g.
  /// `quadratic.curvature_max (0.05) must be at least quadratic.curvature_min (0.1)`.
  void validate(std::string_view problem_name) const;
};

/// Geometric spectrum s_j = low · (high/low)^{j/(d−1)}, s_{d−1} = high exactly (d = 1: {high}).
Vector geometric_curvature_spectrum(Index dim, double low, double high);

/// Group of every worker for `num_groups` contiguous blocks of sizes as equal as possible (the
/// first n mod N blocks have one more worker). Requires 1 ≤ num_groups ≤ num_workers.
std::vector<int> contiguous_groups(int num_workers, int num_groups);

/// A drawn instance: curvatures, centres and groups, plus the derived per-coordinate aggregates
/// the problems need. Immutable after construction, hence safe to share between threads.
class DiagonalQuadraticInstance {
 public:
  /// Validates `options` (error messages prefixed by `problem_name`) and draws the instance.
  DiagonalQuadraticInstance(const DiagonalQuadraticOptions& options, std::string_view problem_name);

  const DiagonalQuadraticOptions& options() const { return options_; }
  Index dim() const { return options_.dim; }
  int num_workers() const { return options_.num_workers; }

  /// d × n matrix of curvatures a_ij; column i is the diagonal of A_i.
  const Matrix& curvatures() const { return curvatures_; }
  /// d × n matrix of centres b_ij; column i is b_i.
  const Matrix& centers() const { return centers_; }
  /// Group g(i) of every worker.
  const std::vector<int>& groups() const { return groups_; }

  /// ā_j = (1/n) Σ_i a_ij.
  const Vector& mean_curvature() const { return mean_curvature_; }
  /// c_j = Σ_i a_ij b_ij / Σ_i a_ij (the curvature-weighted mean centre).
  const Vector& weighted_center() const { return weighted_center_; }
  /// max_{i,j} a_ij (equals curvature_max).
  double max_curvature() const { return max_curvature_; }
  /// True when every A_i is the same matrix (always for kShared; also, e.g., for kPerGroup with
  /// one group or when curvature_min == curvature_max).
  bool curvatures_identical() const { return curvatures_identical_; }

  /// ζ² = sup_x (1/n) Σ_i ‖∇f_i(x) − ∇f(x)‖² for any problem whose gradients are
  /// ∇f_i(x) = A_i(x − b_i) + φ(x) with φ the same for every worker. If all A_i equal A, the
  /// difference ∇f_i − ∇f = A(b̄ − b_i) does not depend on x and ζ² = (1/n) Σ_i ‖A(b_i − b̄)‖²
  /// exactly. Otherwise (A_i − Ā)x is unbounded in x and the supremum is infinite: nullopt.
  std::optional<double> heterogeneity() const { return heterogeneity_; }

  /// Σ_j ½ a_ij (x_j − b_ij)².
  double quadratic_loss(int worker, ConstVectorRef x) const;
  /// out ← A_i (x − b_i).
  void quadratic_gradient(int worker, ConstVectorRef x, VectorRef out) const;

  /// out += N(0, σ²/(d·M) I_d): the mean of M independent per-sample noises, drawn directly as
  /// one Gaussian vector (equal in distribution). Draws d normals from `rng` when σ² > 0 and
  /// none when σ² = 0. No allocation. Throws InputError if batch_size < 1.
  void add_gradient_noise(int batch_size, RandomStream& rng, VectorRef out) const;

  /// "d=10, n=4, 2 groups, curvature [0.1, 1] per_group, center spread 1 (group) / 1 (worker),
  /// sigma^2=1, seed 0".
  std::string describe() const;

 private:
  DiagonalQuadraticOptions options_;
  Matrix curvatures_;
  Matrix centers_;
  std::vector<int> groups_;
  Vector mean_curvature_;
  Vector weighted_center_;
  double max_curvature_ = 0.0;
  bool curvatures_identical_ = true;
  std::optional<double> heterogeneity_;
};

}  // namespace dsgdlab
