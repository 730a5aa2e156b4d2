#pragma once

/// A verdict: one claim of theory.md §6 checked against measurements, with the numbers behind
/// the decision. `dsgdlab check` prints verdicts as a table (claim, measured, expected,
/// verdict) and exits 1 when one fails.

#include <string>
#include <utility>
#include <vector>

namespace dsgdlab {

/// One number behind a verdict ("slope", −0.49), for tables and baselines.
struct VerdictNumber {
  std::string name;
  double value = 0.0;
};

struct Verdict {
  /// The verdict kind: "bound_holds", "rate", "linear_speedup", "heterogeneity_robustness",
  /// "sandwich", "exactness".
  std::string kind;
  /// What was claimed, one line ("AD-PSGD R(K) ∝ K^(-1/2)").
  std::string claim;
  bool passed = false;
  /// What was measured and what was expected, one line each, for the table.
  std::string measured;
  std::string expected;
  /// The numbers behind the decision.
  std::vector<VerdictNumber> numbers;

  /// The value of the number called `name`; throws std::out_of_range when there is none.
  double number(const std::string& name) const;
};

/// Formats a number for a verdict line: 4 significant digits, "inf"/"nan" spelled out.
std::string format_verdict_number(double value);

}  // namespace dsgdlab
