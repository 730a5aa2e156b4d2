#pragma once

/// What every bound function returns (theory.md §5): a value, its provenance, and the
/// theorem's conditions with their values, so that a bound whose conditions fail is still
/// reported, flagged, rather than silently dropped.
///
/// Conventions (theory.md §1): the step η is the toolkit's mean convention (a stochastic
/// gradient is the mean of M per-sample gradients, x ← x − η g); σ² is the per-sample
/// variance, so a stochastic gradient has variance σ²/M; R(K) = (1/K) Σ_{k<K} E‖∇f(x̄_k)‖², the
/// trace column `running_avg_grad_norm_sq`; Δ = f(x_0) − f*; K (or T) counts iterations as the
/// algorithm's page of docs/algorithms.md defines them (AD-PSGD and A-PSGD: applied updates of
/// all workers). Each bound converts its paper's conventions to these and says how.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dsgdlab {

/// Where a bound comes from (theory.md's provenance tags).
enum class Provenance {
  kPaper,     ///< "paper": stated in a source document and checked there
  kRecalled,  ///< "recalled": a published theorem recalled from memory, not re-derived here
  kDerived,   ///< "derived": derived by the team (docs/theory.md gives the derivation)
};
/// "paper", "recalled", "derived".
std::string_view to_string(Provenance provenance);

/// One hypothesis of a theorem, evaluated: `value` compared with `threshold` by the relation
/// in `rule` ("C_1 > 0": value C_1, threshold 0). `holds` is the comparison's outcome.
struct BoundCondition {
  std::string rule;
  double value = 0.0;
  double threshold = 0.0;
  bool holds = false;
};

/// A bound on R(K) for given constants and schedule.
struct Bound {
  /// Stable identifier, e.g. "dpsgd_theorem", "hsgd_two_level".
  std::string name;
  /// Paper and theorem, e.g. "Lian et al. 2017 (D-PSGD), Theorem 1".
  std::string source;
  Provenance provenance = Provenance::kDerived;
  /// The bound on R(K); +∞ when a denominator of the theorem is not positive.
  double value = 0.0;
  /// The step the bound was evaluated at (mean convention), and K.
  double step = 0.0;
  std::int64_t iterations = 0;
  /// Names of the constants that were estimated rather than exact ("L", "f*", ...), copied
  /// from the constants record: the bound is then itself an estimate.
  std::vector<std::string> estimated_constants;
  std::vector<BoundCondition> conditions;

  /// True when every condition holds.
  bool conditions_hold() const;
};

/// Builds a condition "value RULE threshold" for the relations <, ≤, >, ≥.
BoundCondition condition_less(std::string rule, double value, double threshold);
BoundCondition condition_less_equal(std::string rule, double value, double threshold);
BoundCondition condition_greater(std::string rule, double value, double threshold);
BoundCondition condition_greater_equal(std::string rule, double value, double threshold);

/// The constants every bound draws from (theory.md §1, §4). Divergences that only some bounds
/// need have their own arguments.
struct BoundConstants {
  /// L > 0.
  double smoothness = 1.0;
  /// σ² ≥ 0, per-sample.
  double noise_variance = 0.0;
  /// ζ² ≥ 0 (AD-PSGD: p-weighted).
  double heterogeneity = 0.0;
  /// Δ = f(x_0) − f* ≥ 0.
  double initial_gap = 0.0;
  /// n ≥ 1.
  int num_workers = 1;
  /// M ≥ 1.
  int batch_size = 1;
  /// Names of the estimated constants ("L", "sigma^2", "zeta^2", "f*").
  std::vector<std::string> estimated;

  /// Throws InputError naming the field ("constants.smoothness (-1) must be > 0").
  void validate() const;
};

/// A constant step η applied for K iterations.
struct BoundSchedule {
  /// η > 0 (mean convention).
  double step = 0.0;
  /// K ≥ 1.
  std::int64_t iterations = 1;

  /// Throws InputError naming the field.
  void validate() const;
};

}  // namespace dsgdlab
