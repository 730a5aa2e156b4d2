#include "dsgdlab/experiments/claim_evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include "dsgdlab/analysis/stats/confidence.hpp"
#include "dsgdlab/analysis/stats/rate_fit.hpp"
#include "dsgdlab/analysis/stats/time_to_target.hpp"
#include "dsgdlab/analysis/verdicts/verdicts.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// Rows of a split where the total is rounding noise (Ξ just after a global average is ~1e-32
/// while its parts are computed along different paths) would make a relative residual
/// meaningless: the denominator is max(|total|, kNoiseFloor · largest |total| of the trace).
constexpr double kNoiseFloor = 1e-8;

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

double json_number(const json& value) {
  return value.is_number() ? value.get<double>() : kNaN;  // null = non-finite in JSON
}

bool values_match(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

bool point_matches(const json& point, const json& where) {
  for (const auto& [key, value] : where.items()) {
    if (!point.contains(key) || !values_match(point.at(key), value)) return false;
  }
  return true;
}

std::string fmt(double value) { return format_verdict_number(value); }

/// Evaluation of one claim: its parameters with errors that name the suite file, the claim's
/// line and the key.
class ClaimContext {
 public:
  ClaimContext(const SuiteResults& suite, const SuiteResultsClaim& claim)
      : suite_(suite), claim_(claim) {}

  const SuiteResults& suite() const { return suite_; }
  const SuiteResultsClaim& claim() const { return claim_; }
  const json& params() const { return claim_.params; }

  InputError error(const std::string& key, const std::string& problem) const {
    return FileFormatError(
        suite_.file, claim_.line,
        "claim '" + claim_.name + "' (" + claim_.verdict + "): key '" + key + "' " + problem);
  }

  InputError error(const std::string& problem) const {
    return FileFormatError(suite_.file, claim_.line,
                           "claim '" + claim_.name + "' (" + claim_.verdict + "): " + problem);
  }

  /// Refuses keys that the verdict kind does not know.
  void check_keys(std::initializer_list<const char*> allowed) const {
    std::set<std::string> known{"name", "verdict", "description"};
    for (const char* key : allowed) known.insert(key);
    for (const auto& [key, value] : params().items()) {
      if (!known.contains(key)) {
        std::string list;
        for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
        throw error(key, "is not a key of a " + claim_.verdict + " claim (keys: " + list + ")");
      }
    }
  }

  bool has(const char* key) const { return params().contains(key); }

  double number(const char* key, std::optional<double> fallback = std::nullopt) const {
    if (!has(key)) {
      if (fallback) return *fallback;
      throw error(key, "is required");
    }
    const json& value = params().at(key);
    if (!value.is_number()) throw error(key, "must be a number, not " + value.dump());
    return value.get<double>();
  }

  std::string text(const char* key, std::optional<std::string> fallback = std::nullopt) const {
    return text_in(params(), key, key, std::move(fallback));
  }

  std::string text_in(const json& table, const char* key, const std::string& qualified,
                      std::optional<std::string> fallback = std::nullopt) const {
    if (!table.contains(key)) {
      if (fallback) return *fallback;
      throw error(qualified, "is required");
    }
    const json& value = table.at(key);
    if (!value.is_string()) throw error(qualified, "must be a string, not " + value.dump());
    return value.get<std::string>();
  }

  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const json& value = params().at(key);
    if (!value.is_boolean()) throw error(key, "must be true or false, not " + value.dump());
    return value.get<bool>();
  }

  /// A `where` table (an empty table when absent and optional).
  json where_in(const json& table, const char* key, const std::string& qualified,
                bool required) const {
    if (!table.contains(key)) {
      if (required) throw error(qualified, "is required (a table of point keys and values)");
      return json::object();
    }
    const json& value = table.at(key);
    if (!value.is_object()) {
      throw error(qualified, "must be a table of point keys and values, not " + value.dump());
    }
    return value;
  }

  /// The run points selected by `where`, each with its replicates; an error naming `key` when
  /// it selects nothing.
  std::vector<PointGroup> select(const json& where, const std::string& key) const {
    std::vector<PointGroup> groups;
    std::map<std::string, std::size_t> index;
    for (const SuiteResultsRun& run : suite_.runs) {
      if (!point_matches(run.point, where)) continue;
      const std::string id = run.point.dump();
      auto [found, inserted] = index.emplace(id, groups.size());
      if (inserted) groups.push_back({run.point, {}});
      groups[found->second].replicates.push_back(&run);
    }
    if (groups.empty()) {
      std::set<std::string> points;
      for (const SuiteResultsRun& run : suite_.runs) points.insert(describe_point(run.point));
      std::string list;
      for (const auto& point : points) list += "\n  " + point;
      throw error(key, where.dump() + " selects no run point; the points are:" + list);
    }
    for (PointGroup& group : groups) {
      std::sort(group.replicates.begin(), group.replicates.end(),
                [](const SuiteResultsRun* a, const SuiteResultsRun* b) {
                  return a->replicate < b->replicate;
                });
    }
    return groups;
  }

  PointGroup select_one(const json& where, const std::string& key) const {
    std::vector<PointGroup> groups = select(where, key);
    if (groups.size() != 1) {
      std::string list;
      for (const auto& group : groups) list += "\n  " + describe_point(group.point);
      throw error(key, where.dump() + " must select one run point, it selects " +
                           std::to_string(groups.size()) + ":" + list);
    }
    return std::move(groups.front());
  }

  /// The numeric value of point key `axis` in a group's point.
  double axis_value(const PointGroup& group, const std::string& axis, const char* key) const {
    if (!group.point.contains(axis)) {
      throw error(key, "\"" + axis + "\" is not a key of the point " + describe_point(group.point) +
                           " (claims can use the keys set by [[run]] entries and sweep axes)");
    }
    const json& value = group.point.at(axis);
    if (!value.is_number()) {
      throw error(key, "\"" + axis + "\" must have numeric values, the point " +
                           describe_point(group.point) + " has " + value.dump());
    }
    return value.get<double>();
  }

  /// f*: constants.optimum_value.value of a run.
  double optimum(const SuiteResultsRun& run, const char* key) const {
    const json& summary = run.summary;
    if (summary.contains("constants") && summary["constants"].contains("optimum_value") &&
        summary["constants"]["optimum_value"].is_object() &&
        summary["constants"]["optimum_value"].contains("value") &&
        summary["constants"]["optimum_value"]["value"].is_number()) {
      return summary["constants"]["optimum_value"]["value"].get<double>();
    }
    throw error(key, "\"loss_gap\" needs f*, and runs/" + run.id +
                         "/summary.json has no constants.optimum_value (use \"grad_norm_sq\")");
  }

  /// The (time, metric) series of a run's trace.csv. A leading NaN row (R(0) is undefined)
  /// is dropped.
  TimeSeries series(const SuiteResultsRun& run, const std::string& metric,
                    const std::string& time) const {
    const NumericCsv trace = read_numeric_csv(run.directory / "trace.csv");
    if (!trace.has(time)) throw error("time", "\"" + time + "\" is not a column of trace.csv");
    TimeSeries series;
    series.times = trace.column(time);
    if (metric == "loss_gap") {
      const double f_star = optimum(run, "metric");
      for (double loss : trace.column("loss")) series.values.push_back(loss - f_star);
    } else {
      if (!trace.has(metric)) {
        throw error("metric", "\"" + metric + "\" is not a column of runs/" + run.id +
                                  "/trace.csv (use grad_norm_sq, loss_gap or "
                                  "running_avg_grad_norm_sq)");
      }
      series.values = trace.column(metric);
    }
    if (!series.values.empty() && std::isnan(series.values.front())) {
      series.times.erase(series.times.begin());
      series.values.erase(series.values.begin());
    }
    return series;
  }

  std::string metric_key() const {
    const std::string metric = text("metric");
    if (metric != "grad_norm_sq" && metric != "loss_gap" && metric != "running_avg_grad_norm_sq") {
      throw error("metric", "(\"" + metric +
                                "\") must be grad_norm_sq, loss_gap or running_avg_grad_norm_sq");
    }
    return metric;
  }

  std::string time_key() const {
    const std::string time = text("time", "virtual_time_s");
    if (time != "virtual_time_s" && time != "iteration") {
      throw error("time", "(\"" + time + "\") must be virtual_time_s or iteration");
    }
    return time;
  }

  /// The claim line of the verdict: the description, else `fallback`.
  std::string claim_text(const std::string& fallback) const {
    const std::string description = text("description", "");
    return description.empty() ? fallback : description;
  }

 private:
  const SuiteResults& suite_;
  const SuiteResultsClaim& claim_;
};

double final_r(const SuiteResultsRun& run) {
  const json& summary = run.summary;
  if (!summary.contains("final") || !summary["final"].is_object()) return kNaN;
  return summary["final"].contains("running_avg_grad_norm_sq")
             ? json_number(summary["final"]["running_avg_grad_norm_sq"])
             : kNaN;
}

std::string status_of(const SuiteResultsRun& run) {
  return run.summary.contains("status") && run.summary["status"].is_string()
             ? run.summary["status"].get<std::string>()
             : "unknown";
}

/// The replicate indices every group has.
std::vector<int> common_replicates(const ClaimContext& context,
                                   const std::vector<PointGroup>& groups) {
  std::set<int> common;
  for (const SuiteResultsRun* run : groups.front().replicates) common.insert(run->replicate);
  for (const PointGroup& group : groups) {
    std::set<int> mine;
    for (const SuiteResultsRun* run : group.replicates) mine.insert(run->replicate);
    std::set<int> both;
    std::set_intersection(common.begin(), common.end(), mine.begin(), mine.end(),
                          std::inserter(both, both.begin()));
    common = std::move(both);
  }
  if (common.empty()) throw context.error("the selected points share no replicate");
  return {common.begin(), common.end()};
}

const SuiteResultsRun& replicate_of(const PointGroup& group, int replicate) {
  for (const SuiteResultsRun* run : group.replicates) {
    if (run->replicate == replicate) return *run;
  }
  throw std::logic_error("replicate_of: no replicate " + std::to_string(replicate));
}

Verdict failed(std::string kind, std::string claim, std::string measured, std::string expected) {
  Verdict verdict;
  verdict.kind = std::move(kind);
  verdict.claim = std::move(claim);
  verdict.passed = false;
  verdict.measured = std::move(measured);
  verdict.expected = std::move(expected);
  return verdict;
}

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

void add_level_numbers(Verdict& verdict, const std::string& name, std::span<const double> values) {
  if (values.empty()) return;
  const bool finite =
      std::all_of(values.begin(), values.end(), [](double value) { return std::isfinite(value); });
  if (!finite) {
    verdict.numbers.push_back({name, kInfinity});
    verdict.numbers.push_back({name + "_half_width", 0.0});
    return;
  }
  const MeanInterval interval = mean_interval95(values);
  verdict.numbers.push_back({name, interval.mean});
  verdict.numbers.push_back(
      {name + "_half_width", std::isnan(interval.half_width) ? 0.0 : interval.half_width});
}

// ---------------------------------------------------------------------------------------------

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

/// The entry of summary.json bounds.list called `name`.
const json& find_bound(const ClaimContext& context, const SuiteResultsRun& run,
                       const std::string& name, const char* key) {
  const json& summary = run.summary;
  if (summary.contains("bounds") && summary["bounds"].is_object() &&
      summary["bounds"].contains("list") && summary["bounds"]["list"].is_array()) {
    std::string names;
    for (const json& bound : summary["bounds"]["list"]) {
      const std::string bound_name = bound.value("name", "");
      if (bound_name == name) return bound;
      names += (names.empty() ? "" : ", ") + bound_name;
    }
    throw context.error(key, "(\"" + name + "\") is not a bound of runs/" + run.id +
                                 "/summary.json (bounds.list: " +
                                 (names.empty() ? std::string("none") : names) + ")");
  }
  throw context.error(key,
                      "(\"" + name + "\"): runs/" + run.id + "/summary.json has no bounds.list");
}

std::string failing_conditions(const json& bound) {
  std::string text;
  if (!bound.contains("conditions") || !bound["conditions"].is_array()) return text;
  for (const json& condition : bound["conditions"]) {
    if (condition.value("holds", true)) continue;
    if (!text.empty()) text += "; ";
    text += condition.value("rule", "?") + ": " +
            fmt(condition.contains("value") ? json_number(condition["value"]) : kNaN) + " vs " +
            fmt(condition.contains("threshold") ? json_number(condition["threshold"]) : kNaN);
  }
  return text;
}

Verdict evaluate_bound_holds(const ClaimContext& context) {
  context.check_keys({"where", "bound", "require_conditions"});
  const json where = context.where_in(context.params(), "where", "where", true);
  const std::string bound_name = context.text("bound");
  const bool require_conditions = context.boolean("require_conditions", true);
  const PointGroup group = context.select_one(where, "where");
  const std::string claim = context.claim_text("R(K) below " + bound_name + " at every checkpoint");
  // Per replicate: checkpoint K → (R(K), bound). Replicates are compared at the checkpoints
  // they all have (the same ones with iteration probes; time-based probes may differ).
  std::vector<std::map<double, std::pair<double, double>>> per_replicate;
  for (const SuiteResultsRun* run : group.replicates) {
    const json& bound = find_bound(context, *run, bound_name, "bound");
    if (require_conditions && !bound.value("conditions_hold", false)) {
      return failed("bound_holds", claim,
                    "conditions fail: " + failing_conditions(bound) + " (runs/" + run->id + ")",
                    "R(K) + CI <= " + bound_name + " at every checkpoint");
    }
    std::map<double, std::pair<double, double>> rows;
    if (bound.value("in_bounds_csv", false)) {
      const NumericCsv table = read_numeric_csv(run->directory / "bounds.csv");
      const auto& checkpoints = table.column("iteration");
      const auto& measured = table.column("running_avg_grad_norm_sq");
      const auto& values = table.column(bound_name);
      for (std::size_t row = 0; row < table.rows; ++row) {
        rows[checkpoints[row]] = {measured[row], values[row]};
      }
    } else {  // a corollary: one value, at the last checkpoint
      const json& final_row = run->summary.value("final", json::object());
      rows[json_number(final_row.value("iteration", json()))] = {
          final_r(*run), bound.contains("value") ? json_number(bound["value"]) : kNaN};
    }
    per_replicate.push_back(std::move(rows));
  }
  BoundComparison comparison;
  comparison.bound_name = bound_name;
  comparison.per_seed.resize(per_replicate.size());
  for (const auto& [checkpoint, first_row] : per_replicate.front()) {
    const bool shared = std::all_of(per_replicate.begin(), per_replicate.end(),
                                    [&](const auto& rows) { return rows.contains(checkpoint); });
    if (!shared) continue;
    comparison.checkpoints.push_back(checkpoint);
    double bound_sum = 0.0;
    for (std::size_t s = 0; s < per_replicate.size(); ++s) {
      const auto& [measured, value] = per_replicate[s].at(checkpoint);
      comparison.per_seed[s].push_back(measured);
      bound_sum += value;
    }
    comparison.bound.push_back(bound_sum / static_cast<double>(per_replicate.size()));
  }
  if (comparison.checkpoints.empty()) {
    return failed("bound_holds", claim,
                  "no checkpoint with K >= 1 that every replicate has in bounds.csv",
                  "R(K) + CI <= " + bound_name + " at every checkpoint");
  }
  Verdict verdict = bound_holds_verdict(comparison);
  verdict.claim = claim;
  return verdict;
}

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

/// The value of a bound of the run's summary (bounds.list entry `name`).
double bound_value(const ClaimContext& context, const SuiteResultsRun& run, const std::string& name,
                   const char* key) {
  const json& bound = find_bound(context, run, name, key);
  return bound.contains("value") ? json_number(bound["value"]) : kNaN;
}

Verdict evaluate_sandwich(const ClaimContext& context) {
  context.check_keys({"inner", "hierarchical", "outer", "hierarchical_bound"});
  const PointGroup inner =
      context.select_one(context.where_in(context.params(), "inner", "inner", true), "inner");
  const PointGroup middle = context.select_one(
      context.where_in(context.params(), "hierarchical", "hierarchical", true), "hierarchical");
  const PointGroup outer =
      context.select_one(context.where_in(context.params(), "outer", "outer", true), "outer");
  const std::string claim = context.claim_text("local SGD(P_1) <= H-SGD <= local SGD(P_M)");
  SandwichMeasurement measurement;
  const std::pair<const PointGroup*, std::vector<double>*> parts[] = {
      {&inner, &measurement.inner},
      {&middle, &measurement.hierarchical},
      {&outer, &measurement.outer}};
  for (const auto& [group, values] : parts) {
    for (const SuiteResultsRun* run : group->replicates) {
      const double r = final_r(*run);
      if (!std::isfinite(r)) {
        return failed(
            "sandwich", claim,
            "R(K) = " + fmt(r) + " in runs/" + run->id + " (status " + status_of(*run) + ")",
            "local(P_1) <= H-SGD <= local(P_M), empirical and bounds");
      }
      values->push_back(r);
    }
  }
  // Bounds from the hierarchical run's summary: sandwich_local_sgd_<P> with the smallest P
  // (P_1) and the largest (P_M), and the H-SGD bound.
  const SuiteResultsRun& first = *middle.replicates.front();
  std::map<long long, std::string> rungs;
  const std::string prefix = "sandwich_local_sgd_";
  if (first.summary.contains("bounds") && first.summary["bounds"].contains("list") &&
      first.summary["bounds"]["list"].is_array()) {
    for (const json& bound : first.summary["bounds"]["list"]) {
      const std::string name = bound.value("name", "");
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string period = name.substr(prefix.size());
      if (period.empty() || period.find_first_not_of("0123456789") != std::string::npos) continue;
      rungs.emplace(std::stoll(period), name);
    }
  }
  if (rungs.size() < 2) {
    throw context.error("hierarchical",
                        "selects runs/" + first.id +
                            ", whose summary.json bounds.list has fewer than two "
                            "sandwich_local_sgd_<P> rungs (is it an hsgd run with bounds?)");
  }
  std::string hierarchical_name;
  if (context.has("hierarchical_bound")) {
    hierarchical_name = context.text("hierarchical_bound");
  } else {
    for (const json& bound : first.summary["bounds"]["list"]) {
      const std::string name = bound.value("name", "");
      if (name == "hsgd_two_level" || name == "hsgd_multilevel") hierarchical_name = name;
    }
    if (hierarchical_name.empty()) {
      throw context.error("hierarchical_bound",
                          "is needed: runs/" + first.id +
                              "/summary.json has neither hsgd_two_level nor hsgd_multilevel");
    }
  }
  const auto mean_bound = [&](const std::string& name, const char* key) {
    double sum = 0.0;
    for (const SuiteResultsRun* run : middle.replicates)
      sum += bound_value(context, *run, name, key);
    return sum / static_cast<double>(middle.replicates.size());
  };
  measurement.inner_bound = mean_bound(rungs.begin()->second, "hierarchical");
  measurement.hierarchical_bound = mean_bound(hierarchical_name, "hierarchical_bound");
  measurement.outer_bound = mean_bound(rungs.rbegin()->second, "hierarchical");
  return sandwich_verdict(claim, measurement);
}

/// Largest |a − b| over the columns and rows of two traces (0 for two NaNs, +∞ for a NaN
/// against a number or different row counts).
double trace_difference(const ClaimContext& context, const SuiteResultsRun& a,
                        const SuiteResultsRun& b, const std::vector<std::string>& columns,
                        const std::string& key) {
  const NumericCsv first = read_numeric_csv(a.directory / "trace.csv");
  const NumericCsv second = read_numeric_csv(b.directory / "trace.csv");
  if (first.rows != second.rows) return kInfinity;
  double residual = 0.0;
  for (const std::string& column : columns) {
    if (!first.has(column) || !second.has(column)) {
      throw context.error(key, "column \"" + column + "\" is not in both runs/" + a.id +
                                   "/trace.csv and runs/" + b.id + "/trace.csv");
    }
    const auto& x = first.column(column);
    const auto& y = second.column(column);
    for (std::size_t row = 0; row < x.size(); ++row) {
      if (std::isnan(x[row]) && std::isnan(y[row])) continue;
      if (x[row] == y[row]) continue;  // equal infinities too
      const double difference = std::abs(x[row] - y[row]);
      residual = std::max(residual, std::isnan(difference) ? kInfinity : difference);
    }
  }
  return residual;
}

/// Largest relative |Σ parts − total| over the rows of a trace; -1 when the trace has no split.
double split_residual(const NumericCsv& trace, const std::string& total,
                      const std::vector<std::string>& parts) {
  const auto& totals = trace.column(total);
  double scale = 0.0;
  for (double value : totals) {
    if (std::isfinite(value)) scale = std::max(scale, std::abs(value));
  }
  double residual = 0.0;
  for (std::size_t row = 0; row < trace.rows; ++row) {
    double sum = 0.0;
    for (const std::string& part : parts) sum += trace.column(part)[row];
    if (!std::isfinite(totals[row]) && !std::isfinite(sum)) continue;
    const double denominator = std::max(std::abs(totals[row]), kNoiseFloor * scale);
    const double difference = std::abs(sum - totals[row]);
    if (difference == 0.0) continue;
    residual = std::max(residual, denominator > 0.0 ? difference / denominator : kInfinity);
  }
  return residual;
}

/// The parts of a split in a trace: the two-level columns or level_<ℓ>_<suffix>.
std::vector<std::string> split_parts(const NumericCsv& trace, const std::string& suffix) {
  if (trace.has("intra_group_" + suffix) && trace.has("inter_group_" + suffix)) {
    return {"intra_group_" + suffix, "inter_group_" + suffix};
  }
  std::vector<std::string> parts;
  for (int level = 1; trace.has("level_" + std::to_string(level) + "_" + suffix); ++level) {
    parts.push_back("level_" + std::to_string(level) + "_" + suffix);
  }
  return parts;
}

Verdict evaluate_exactness(const ClaimContext& context) {
  context.check_keys({"checks", "tolerance"});
  // A claim-level tolerance is the default of every check that sets none.
  const std::optional<double> claim_tolerance =
      context.has("tolerance") ? std::optional<double>(context.number("tolerance")) : std::nullopt;
  if (!context.has("checks") || !context.params()["checks"].is_array() ||
      context.params()["checks"].empty()) {
    throw context.error("checks", "must be a non-empty array of tables {kind = ...}");
  }
  std::vector<ExactCheck> checks;
  const json& list = context.params()["checks"];
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& check = list[i];
    const std::string key = "checks[" + std::to_string(i) + "]";
    if (!check.is_object()) throw context.error(key, "must be a table, not " + check.dump());
    const std::string kind = context.text_in(check, "kind", key + ".kind");
    const std::string name =
        context.text_in(check, "name", key + ".name", kind + "_" + std::to_string(i + 1));
    const auto known = [&](std::initializer_list<const char*> keys) {
      for (const auto& [entry, value] : check.items()) {
        if (entry == "kind" || entry == "name") continue;
        if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return entry == k; })) {
          throw context.error(key + "." + entry, "is not a key of a " + kind + " check");
        }
      }
    };
    const auto tolerance = [&](double fallback) {
      if (!check.contains("tolerance")) return claim_tolerance.value_or(fallback);
      if (!check["tolerance"].is_number()) {
        throw context.error(key + ".tolerance", "must be a number");
      }
      return check["tolerance"].get<double>();
    };
    if (kind == "same_trace") {
      known({"a", "b", "columns", "tolerance"});
      const PointGroup a =
          context.select_one(context.where_in(check, "a", key + ".a", true), key + ".a");
      const PointGroup b =
          context.select_one(context.where_in(check, "b", key + ".b", true), key + ".b");
      if (!check.contains("columns") || !check["columns"].is_array() || check["columns"].empty()) {
        throw context.error(key + ".columns", "must be a non-empty array of trace.csv columns");
      }
      std::vector<std::string> columns;
      for (const json& column : check["columns"]) {
        if (!column.is_string()) throw context.error(key + ".columns", "must hold strings");
        columns.push_back(column.get<std::string>());
      }
      double residual = 0.0;
      for (int replicate : common_replicates(context, {a, b})) {
        residual = std::max(
            residual, trace_difference(context, replicate_of(a, replicate),
                                       replicate_of(b, replicate), columns, key + ".columns"));
      }
      checks.push_back({name, residual, tolerance(0.0)});
    } else if (kind == "divergence_identity") {
      known({"where", "tolerance"});
      const json where = context.where_in(check, "where", key + ".where", true);
      double divergence = 0.0;
      double consensus = 0.0;
      for (const PointGroup& group : context.select(where, key + ".where")) {
        for (const SuiteResultsRun* run : group.replicates) {
          const NumericCsv trace = read_numeric_csv(run->directory / "trace.csv");
          const auto divergence_parts = split_parts(trace, "divergence");
          const auto consensus_parts = split_parts(trace, "consensus");
          if (divergence_parts.empty() || consensus_parts.empty()) {
            throw context.error(key + ".where",
                                "selects runs/" + run->id +
                                    ", whose trace.csv has no divergence split (hsgd runs only)");
          }
          divergence =
              std::max(divergence, split_residual(trace, "heterogeneity", divergence_parts));
          consensus = std::max(consensus, split_residual(trace, "consensus", consensus_parts));
        }
      }
      const double limit = tolerance(1e-12);
      checks.push_back({name + "_divergence", divergence, limit});
      checks.push_back({name + "_consensus", consensus, limit});
    } else if (kind == "spectral") {
      known({"where", "expected_rho", "tolerance"});
      const json where = context.where_in(check, "where", key + ".where", true);
      if (!check.contains("expected_rho") || !check["expected_rho"].is_number()) {
        throw context.error(key + ".expected_rho", "is required (a number)");
      }
      const double expected = check["expected_rho"].get<double>();
      double residual = 0.0;
      for (const PointGroup& group : context.select(where, key + ".where")) {
        for (const SuiteResultsRun* run : group.replicates) {
          const json& spectral = run->summary.value("spectral", json());
          if (!spectral.is_array() || spectral.empty() || !spectral[0].contains("rho")) {
            throw context.error(key + ".where", "selects runs/" + run->id +
                                                    ", whose summary.json has no spectral "
                                                    "entry (dpsgd and adpsgd runs only)");
          }
          const double rho = json_number(spectral[0]["rho"]);
          const double difference = std::abs(rho - expected);
          residual = std::max(residual, std::isnan(difference) ? kInfinity : difference);
        }
      }
      checks.push_back({name, residual, tolerance(1e-6)});
    } else {
      throw context.error(key + ".kind", "(\"" + kind +
                                             "\") must be same_trace, divergence_identity or "
                                             "spectral");
    }
  }
  return exactness_verdict(context.claim_text("exact equivalences hold"), checks);
}

}  // namespace

ClaimVerdict evaluate_claim(const SuiteResults& suite, const SuiteResultsClaim& claim) {
  const ClaimContext context(suite, claim);
  ClaimVerdict result;
  result.name = claim.name;
  result.kind = claim.verdict;
  result.description = context.text("description", "");
  try {
    if (claim.verdict == "rate") {
      result.verdict = evaluate_rate(context);
    } else if (claim.verdict == "linear_speedup") {
      result.verdict = evaluate_linear_speedup(context);
    } else if (claim.verdict == "bound_holds") {
      result.verdict = evaluate_bound_holds(context);
    } else if (claim.verdict == "heterogeneity_robustness") {
      result.verdict = evaluate_heterogeneity(context);
    } else if (claim.verdict == "sandwich") {
      result.verdict = evaluate_sandwich(context);
    } else if (claim.verdict == "exactness") {
      result.verdict = evaluate_exactness(context);
    } else {
      throw context.error("verdict", "(\"" + claim.verdict +
                                         "\") must be rate, linear_speedup, bound_holds, "
                                         "heterogeneity_robustness, sandwich or exactness");
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::invalid_argument& e) {  // a verdict or statistics function refused
    throw context.error(e.what());
  }
  return result;
}

std::vector<ClaimVerdict> evaluate_claims(const SuiteResults& suite) {
  std::vector<ClaimVerdict> verdicts;
  for (const SuiteResultsClaim& claim : suite.claims)
    verdicts.push_back(evaluate_claim(suite, claim));
  return verdicts;
}

}  // namespace dsgdlab
