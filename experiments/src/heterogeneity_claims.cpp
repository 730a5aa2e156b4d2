// Heterogeneity claims (claim_evaluators.hpp): `heterogeneity_robustness`, the time to a
// target of a robust algorithm and of synchronous ones as workers slow down.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "claim_evaluators.hpp"
#include "dsgdlab/analysis/stats/time_to_target.hpp"
#include "dsgdlab/analysis/verdicts/verdicts.hpp"

namespace dsgdlab::claims {
namespace {

/// The slowdown of a point along `axis`: for cost.slow_workers the largest `factor` in the list
/// (1 when empty or absent), otherwise the point's numeric value.
double slowdown_of(const ClaimContext& context, const PointGroup& group, const std::string& axis) {
  if (!group.point.contains(axis)) {
    if (axis == "cost.slow_workers") return 1.0;
    throw context.error(
        "axis", "\"" + axis + "\" is not a key of the point " + describe_point(group.point));
  }
  const json& value = group.point.at(axis);
  if (value.is_number()) return value.get<double>();
  if (value.is_array()) {
    double slowest = 1.0;
    for (const json& entry : value) {
      if (!entry.is_object() || !entry.contains("factor") || !entry["factor"].is_number()) {
        throw context.error("axis", "\"" + axis +
                                        "\" entries must be tables with a factor, the "
                                        "point has " +
                                        value.dump());
      }
      slowest = std::max(slowest, entry["factor"].get<double>());
    }
    return slowest;
  }
  throw context.error("axis", "\"" + axis +
                                  "\" must be a number or a list of {factor = ...}, the "
                                  "point has " +
                                  value.dump());
}

struct AlgorithmTimes {
  SlowdownSeries series;
  /// Per replicate, the time to target at the largest slowdown (+∞ when not reached).
  std::vector<double> at_max_slowdown;
  int unreached = 0;
};

AlgorithmTimes algorithm_times(const ClaimContext& context, const json& where,
                               const std::string& algorithm, const std::string& key,
                               const std::string& axis, const std::string& metric,
                               const std::string& time, double target) {
  json selection = where;
  selection["algorithm.name"] = algorithm;
  std::vector<std::pair<double, PointGroup>> points;
  for (PointGroup& group : context.select(selection, key)) {
    const double slowdown = slowdown_of(context, group, axis);
    points.emplace_back(slowdown, std::move(group));
  }
  std::sort(points.begin(), points.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  AlgorithmTimes times;
  times.series.algorithm = algorithm;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& [slowdown, group] = points[i];
    if (i > 0 && slowdown == points[i - 1].first) {
      throw context.error(
          key, "\"" + algorithm + "\" has two points with slowdown " + fmt(slowdown) + " (" +
                   describe_point(points[i - 1].second.point) + " and " +
                   describe_point(group.point) + "): add a key to where to tell them apart");
    }
    std::vector<double> per_seed;
    for (const SuiteResultsRun* run : group.replicates) {
      const TimeSeries trace = context.series(*run, metric, time);
      const auto reached = time_to_target(trace.times, trace.values, target);
      per_seed.push_back(reached ? *reached : kInfinity);
      if (!reached) ++times.unreached;
    }
    double mean = 0.0;
    for (double value : per_seed) mean += value;
    mean /= static_cast<double>(per_seed.size());
    times.series.slowdowns.push_back(slowdown);
    times.series.time_to_target.push_back(mean);
    if (i + 1 == points.size()) times.at_max_slowdown = per_seed;
  }
  if (times.series.slowdowns.size() < 2 || times.series.slowdowns.front() != 1.0) {
    throw context.error("axis", "\"" + algorithm +
                                    "\" needs points at slowdown 1 and at least one more (" + axis +
                                    "), it has " + std::to_string(times.series.slowdowns.size()) +
                                    (times.series.slowdowns.empty()
                                         ? std::string()
                                         : " starting at " + fmt(times.series.slowdowns.front())));
  }
  return times;
}

}  // namespace

Verdict evaluate_heterogeneity(const ClaimContext& context) {
  context.check_keys({"robust", "synchronous", "axis", "metric", "target", "time",
                      "max_robust_ratio", "min_sync_fraction", "where"});
  const json where = context.where_in(context.params(), "where", "where", false);
  const std::string robust_name = context.text("robust");
  if (!context.has("synchronous") || !context.params()["synchronous"].is_array() ||
      context.params()["synchronous"].empty()) {
    throw context.error("synchronous", "must be a non-empty array of algorithm names");
  }
  std::vector<std::string> synchronous_names;
  for (const json& name : context.params()["synchronous"]) {
    if (!name.is_string())
      throw context.error("synchronous", "must hold strings, not " + name.dump());
    synchronous_names.push_back(name.get<std::string>());
  }
  const std::string axis = context.text("axis", "cost.slow_workers");
  const std::string metric = context.metric_key();
  const double target = context.number("target");
  const std::string time = context.time_key();
  const double max_robust_ratio = context.number("max_robust_ratio", 2.0);
  const double min_sync_fraction = context.number("min_sync_fraction", 0.5);
  const AlgorithmTimes robust =
      algorithm_times(context, where, robust_name, "robust", axis, metric, time, target);
  std::vector<SlowdownSeries> synchronous;
  int unreached = robust.unreached;
  for (const std::string& name : synchronous_names) {
    const AlgorithmTimes times =
        algorithm_times(context, where, name, "synchronous", axis, metric, time, target);
    if (times.series.slowdowns.back() != robust.series.slowdowns.back()) {
      throw context.error(
          "synchronous", "\"" + name + "\" ends at slowdown " + fmt(times.series.slowdowns.back()) +
                             ", \"" + robust_name + "\" at " + fmt(robust.series.slowdowns.back()));
    }
    unreached += times.unreached;
    synchronous.push_back(times.series);
  }
  Verdict verdict =
      heterogeneity_verdict(robust.series, synchronous, max_robust_ratio, min_sync_fraction);
  if (context.has("description")) verdict.claim = context.claim_text(verdict.claim);
  if (unreached > 0) {
    verdict.measured += " (" + std::to_string(unreached) + " runs never reached " + metric +
                        " <= " + fmt(target) + ": time inf)";
  }
  add_level_numbers(verdict, "robust_time_at_max_slowdown", robust.at_max_slowdown);
  return verdict;
}

}  // namespace dsgdlab::claims
