#pragma once

// What every claim evaluator shares (private to dsgdlab::experiments): the ClaimContext of one
// claim (its typed parameters, with errors that name the suite file, the claim's line and the
// key; run point selection; trace series), the PointGroup and TimeSeries it returns, and the
// helpers that read a run's summary and build verdicts.

#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dsgdlab/analysis/verdicts/verdict.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/suite_results.hpp"

namespace dsgdlab::claims {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// The replicates of one run point, ordered by replicate index.
struct PointGroup {
  json point;
  std::vector<const SuiteResultsRun*> replicates;
};

/// A time series read from one run's trace.csv.
struct TimeSeries {
  std::vector<double> times;
  std::vector<double> values;
};

double json_number(const json& value);

std::string fmt(double value);

/// Evaluation of one claim: its parameters with errors that name the suite file, the claim's
/// line and the key.
class ClaimContext {
 public:
  ClaimContext(const SuiteResults& suite, const SuiteResultsClaim& claim)
      : suite_(suite), claim_(claim) {}

  const SuiteResults& suite() const { return suite_; }
  const SuiteResultsClaim& claim() const { return claim_; }
  const json& params() const { return claim_.params; }

  InputError error(const std::string& key, const std::string& problem) const;

  InputError error(const std::string& problem) const;

  /// Refuses keys that the verdict kind does not know.
  void check_keys(std::initializer_list<const char*> allowed) const;

  bool has(const char* key) const { return params().contains(key); }

  double number(const char* key, std::optional<double> fallback = std::nullopt) const;

  std::string text(const char* key, std::optional<std::string> fallback = std::nullopt) const;

  std::string text_in(const json& table, const char* key, const std::string& qualified,
                      std::optional<std::string> fallback = std::nullopt) const;

  bool boolean(const char* key, bool fallback) const;

  /// A `where` table (an empty table when absent and optional).
  json where_in(const json& table, const char* key, const std::string& qualified,
                bool required) const;

  /// The run points selected by `where`, each with its replicates; an error naming `key` when
  /// it selects nothing.
  std::vector<PointGroup> select(const json& where, const std::string& key) const;

  PointGroup select_one(const json& where, const std::string& key) const;

  /// The numeric value of point key `axis` in a group's point.
  double axis_value(const PointGroup& group, const std::string& axis, const char* key) const;

  /// f*: constants.optimum_value.value of a run.
  double optimum(const SuiteResultsRun& run, const char* key) const;

  /// The (time, metric) series of a run's trace.csv. A leading NaN row (R(0) is undefined)
  /// is dropped.
  TimeSeries series(const SuiteResultsRun& run, const std::string& metric,
                    const std::string& time) const;

  std::string metric_key() const;

  std::string time_key() const;

  /// The claim line of the verdict: the description, else `fallback`.
  std::string claim_text(const std::string& fallback) const;

 private:
  const SuiteResults& suite_;
  const SuiteResultsClaim& claim_;
};

double final_r(const SuiteResultsRun& run);

std::string status_of(const SuiteResultsRun& run);

/// The replicate indices every group has.
std::vector<int> common_replicates(const ClaimContext& context,
                                   const std::vector<PointGroup>& groups);

const SuiteResultsRun& replicate_of(const PointGroup& group, int replicate);

Verdict failed(std::string kind, std::string claim, std::string measured, std::string expected);

void add_level_numbers(Verdict& verdict, const std::string& name, std::span<const double> values);

}  // namespace dsgdlab::claims
