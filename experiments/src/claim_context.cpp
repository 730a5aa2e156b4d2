// The shared part of claim evaluation (claim_context.hpp): ClaimContext's parameter reads,
// point selection and trace series, and the run summary and verdict helpers of every evaluator.

#include "claim_context.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>

#include "dsgdlab/analysis/stats/confidence.hpp"

namespace dsgdlab::claims {
namespace {

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

}  // namespace

double json_number(const json& value) {
  return value.is_number() ? value.get<double>() : kNaN;  // null = non-finite in JSON
}

std::string fmt(double value) { return format_verdict_number(value); }

InputError ClaimContext::error(const std::string& key, const std::string& problem) const {
  return FileFormatError(
      suite_.file, claim_.line,
      "claim '" + claim_.name + "' (" + claim_.verdict + "): key '" + key + "' " + problem);
}

InputError ClaimContext::error(const std::string& problem) const {
  return FileFormatError(suite_.file, claim_.line,
                         "claim '" + claim_.name + "' (" + claim_.verdict + "): " + problem);
}

void ClaimContext::check_keys(std::initializer_list<const char*> allowed) const {
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

double ClaimContext::number(const char* key, std::optional<double> fallback) const {
  if (!has(key)) {
    if (fallback) return *fallback;
    throw error(key, "is required");
  }
  const json& value = params().at(key);
  if (!value.is_number()) throw error(key, "must be a number, not " + value.dump());
  return value.get<double>();
}

std::string ClaimContext::text(const char* key, std::optional<std::string> fallback) const {
  return text_in(params(), key, key, std::move(fallback));
}

std::string ClaimContext::text_in(const json& table, const char* key, const std::string& qualified,
                                  std::optional<std::string> fallback) const {
  if (!table.contains(key)) {
    if (fallback) return *fallback;
    throw error(qualified, "is required");
  }
  const json& value = table.at(key);
  if (!value.is_string()) throw error(qualified, "must be a string, not " + value.dump());
  return value.get<std::string>();
}

bool ClaimContext::boolean(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  const json& value = params().at(key);
  if (!value.is_boolean()) throw error(key, "must be true or false, not " + value.dump());
  return value.get<bool>();
}

json ClaimContext::where_in(const json& table, const char* key, const std::string& qualified,
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

std::vector<PointGroup> ClaimContext::select(const json& where, const std::string& key) const {
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

PointGroup ClaimContext::select_one(const json& where, const std::string& key) const {
  std::vector<PointGroup> groups = select(where, key);
  if (groups.size() != 1) {
    std::string list;
    for (const auto& group : groups) list += "\n  " + describe_point(group.point);
    throw error(key, where.dump() + " must select one run point, it selects " +
                         std::to_string(groups.size()) + ":" + list);
  }
  return std::move(groups.front());
}

double ClaimContext::axis_value(const PointGroup& group, const std::string& axis,
                                const char* key) const {
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

double ClaimContext::optimum(const SuiteResultsRun& run, const char* key) const {
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

TimeSeries ClaimContext::series(const SuiteResultsRun& run, const std::string& metric,
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

std::string ClaimContext::metric_key() const {
  const std::string metric = text("metric");
  if (metric != "grad_norm_sq" && metric != "loss_gap" && metric != "running_avg_grad_norm_sq") {
    throw error("metric",
                "(\"" + metric + "\") must be grad_norm_sq, loss_gap or running_avg_grad_norm_sq");
  }
  return metric;
}

std::string ClaimContext::time_key() const {
  const std::string time = text("time", "virtual_time_s");
  if (time != "virtual_time_s" && time != "iteration") {
    throw error("time", "(\"" + time + "\") must be virtual_time_s or iteration");
  }
  return time;
}

std::string ClaimContext::claim_text(const std::string& fallback) const {
  const std::string description = text("description", "");
  return description.empty() ? fallback : description;
}

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

}  // namespace dsgdlab::claims
