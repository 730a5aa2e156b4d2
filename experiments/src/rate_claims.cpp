// Rate claims (claim_evaluators.hpp): `rate`, the slope of final R(K) against a point key,
// and `linear_speedup`, the slope of the time to a target against a point key.

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "claim_evaluators.hpp"
#include "dsgdlab/analysis/stats/time_to_target.hpp"
#include "dsgdlab/analysis/verdicts/verdicts.hpp"

namespace dsgdlab::claims {
namespace {

/// The groups sorted by the numeric point key `axis`, which must tell them apart.
std::vector<std::pair<double, PointGroup>> sorted_by_axis(const ClaimContext& context,
                                                          std::vector<PointGroup> groups,
                                                          const std::string& axis,
                                                          const char* key) {
  std::vector<std::pair<double, PointGroup>> sorted;
  for (PointGroup& group : groups) {
    const double x = context.axis_value(group, axis, key);
    sorted.emplace_back(x, std::move(group));
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].first == sorted[i - 1].first) {
      throw context.error("where", "selects several points with " + axis + " = " +
                                       fmt(sorted[i].first) + " (" +
                                       describe_point(sorted[i - 1].second.point) + " and " +
                                       describe_point(sorted[i].second.point) +
                                       "): add a key to where to tell them apart");
    }
  }
  return sorted;
}

}  // namespace

Verdict evaluate_rate(const ClaimContext& context) {
  context.check_keys({"where", "x", "expected", "tolerance"});
  const json where = context.where_in(context.params(), "where", "where", false);
  const std::string x = context.text("x");
  const double expected = context.number("expected", -0.5);
  const double tolerance = context.number("tolerance", 0.1);
  if (!(tolerance >= 0.0)) throw context.error("tolerance", "must be >= 0");
  const auto sorted = sorted_by_axis(context, context.select(where, "where"), x, "x");
  if (sorted.size() < 3) {
    throw context.error("x", "needs >= 3 distinct values of " + x + ", where selects " +
                                 std::to_string(sorted.size()));
  }
  std::vector<PointGroup> groups;
  for (const auto& [value, group] : sorted) groups.push_back(group);
  const std::string claim = context.claim_text("final R(K) ∝ " + x + "^" + fmt(expected));
  const std::string expected_text = "slope " + fmt(expected) + " ± " + fmt(tolerance);
  std::vector<Series> seeds;
  std::vector<double> at_max_x;
  for (int replicate : common_replicates(context, groups)) {
    Series series;
    for (const auto& [value, group] : sorted) {
      const SuiteResultsRun& run = replicate_of(group, replicate);
      const double r = final_r(run);
      if (!(std::isfinite(r) && r > 0.0)) {
        return failed("rate", claim,
                      "R(K) = " + fmt(r) + " at " + x + " = " + fmt(value) + ", replicate " +
                          std::to_string(replicate) + " (runs/" + run.id + ", status " +
                          status_of(run) + ")",
                      expected_text);
      }
      series.x.push_back(value);
      series.y.push_back(r);
    }
    at_max_x.push_back(series.y.back());
    seeds.push_back(std::move(series));
  }
  Verdict verdict = slope_verdict("rate", claim, seeds, expected, tolerance);
  add_level_numbers(verdict, "final_r_at_max_x", at_max_x);
  return verdict;
}

Verdict evaluate_linear_speedup(const ClaimContext& context) {
  context.check_keys({"where", "x", "metric", "target", "time", "expected", "tolerance"});
  const json where = context.where_in(context.params(), "where", "where", false);
  const std::string x = context.text("x");
  const std::string metric = context.metric_key();
  const double target = context.number("target");
  const std::string time = context.time_key();
  const double expected = context.number("expected", -1.0);
  const double tolerance = context.number("tolerance", 0.15);
  if (!(tolerance >= 0.0)) throw context.error("tolerance", "must be >= 0");
  const auto sorted = sorted_by_axis(context, context.select(where, "where"), x, "x");
  if (sorted.size() < 2) {
    throw context.error("x", "needs >= 2 distinct values of " + x + ", where selects " +
                                 std::to_string(sorted.size()));
  }
  std::vector<PointGroup> groups;
  for (const auto& [value, group] : sorted) groups.push_back(group);
  const std::string claim = context.claim_text(time + " to " + metric + " <= " + fmt(target) +
                                               " ∝ " + x + "^" + fmt(expected));
  const std::string expected_text = "slope " + fmt(expected) + " ± " + fmt(tolerance);
  std::vector<Series> seeds;
  std::vector<double> at_min_x;
  for (int replicate : common_replicates(context, groups)) {
    Series series;
    for (const auto& [value, group] : sorted) {
      const SuiteResultsRun& run = replicate_of(group, replicate);
      const TimeSeries trace = context.series(run, metric, time);
      const auto reached = time_to_target(trace.times, trace.values, target);
      const std::string where_text = " at " + x + " = " + fmt(value) + ", replicate " +
                                     std::to_string(replicate) + " (runs/" + run.id + ")";
      if (!reached) {
        const double last = trace.values.empty() ? kNaN : trace.values.back();
        return failed("linear_speedup", claim,
                      metric + " never reached " + fmt(target) + where_text + ": final " +
                          fmt(last) + ", status " + status_of(run),
                      expected_text);
      }
      if (!(*reached > 0.0)) {
        return failed("linear_speedup", claim,
                      metric + " <= " + fmt(target) + " already at " + time + " 0" + where_text +
                          ": the target is too loose to time",
                      expected_text);
      }
      series.x.push_back(value);
      series.y.push_back(*reached);
    }
    at_min_x.push_back(series.y.front());
    seeds.push_back(std::move(series));
  }
  Verdict verdict = slope_verdict("linear_speedup", claim, seeds, expected, tolerance);
  add_level_numbers(verdict, "time_at_min_x", at_min_x);
  return verdict;
}

}  // namespace dsgdlab::claims
