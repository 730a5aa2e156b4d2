#include "dsgdlab/experiments/result_files.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include "dsgdlab/core/version.hpp"

namespace dsgdlab {
namespace {

using nlohmann::json;

json constant_json(const ConstantValue& constant) {
  return {{"value", constant.value},
          {"origin", to_string(constant.source)},
          {"method", constant.method}};
}

json constants_json(const RunEstimates& estimates) {
  json noise = constant_json(estimates.noise_variance);
  noise["measured"] = {{"mean", estimates.noise_variance_mean},
                       {"mean_ci95_half_width", estimates.noise_variance_mean_ci95},
                       {"max", estimates.noise_variance_max},
                       {"estimates", estimates.noise_variance_count},
                       {"origin", "estimated"}};
  return {{"smoothness", constant_json(estimates.smoothness)},
          {"noise_variance", std::move(noise)},
          {"heterogeneity", constant_json(estimates.heterogeneity)},
          {"optimum_value", constant_json(estimates.optimum_value)},
          {"initial_loss", {{"value", estimates.initial_loss}, {"origin", "exact"}}},
          {"initial_gap", constant_json(estimates.initial_gap)}};
}

// Trace columns evaluated exactly at x̄_t are "exact"; the σ² columns are sample estimates.
json trajectory_json(const RunEstimates& estimates) {
  json trajectory = json::object();
  for (const TrajectoryStatistic& statistic : estimates.trajectory) {
    const bool sampled = statistic.column.starts_with("noise_variance");
    trajectory[statistic.column] = {{"mean", statistic.mean},
                                    {"max", statistic.max},
                                    {"final", statistic.final},
                                    {"points", statistic.points},
                                    {"origin", sampled ? "estimated" : "exact"}};
  }
  return trajectory;
}

/// Replaces every non-finite number by null, as the JSON file holds it, so that the summary
/// in memory equals the summary read back.
void replace_non_finite(json& value) {
  if (value.is_number_float() && !std::isfinite(value.get<double>())) {
    value = nullptr;
  } else if (value.is_structured()) {
    for (auto& element : value) replace_non_finite(element);
  }
}

json bound_json(const RunBound& run_bound) {
  const Bound& bound = run_bound.bound;
  json conditions = json::array();
  for (const BoundCondition& condition : bound.conditions) {
    conditions.push_back({{"rule", condition.rule},
                          {"value", condition.value},
                          {"threshold", condition.threshold},
                          {"holds", condition.holds}});
  }
  return {{"name", bound.name},
          {"role", run_bound.reference ? "reference" : "bound"},
          {"source", bound.source},
          {"provenance", to_string(bound.provenance)},
          {"value", bound.value},
          {"step", bound.step},
          {"iterations", bound.iterations},
          {"conditions_hold", bound.conditions_hold()},
          {"conditions", std::move(conditions)},
          {"estimated_constants", bound.estimated_constants},
          {"measured", run_bound.measured},
          {"tightness", run_bound.tightness},
          {"holds_at_every_checkpoint", run_bound.holds_at_every_checkpoint},
          {"first_violation",
           run_bound.first_violation < 0 ? json(nullptr) : json(run_bound.first_violation)},
          {"in_bounds_csv", !run_bound.curve.empty()}};
}

json bounds_json(const RunBounds& bounds) {
  json list = json::array();
  for (const RunBound& run_bound : bounds.bounds) list.push_back(bound_json(run_bound));
  const BoundConstants& constants = bounds.constants;
  return {{"note", bounds.note.empty() ? json(nullptr) : json(bounds.note)},
          {"constants",
           {{"smoothness", constants.smoothness},
            {"noise_variance", constants.noise_variance},
            {"heterogeneity", constants.heterogeneity},
            {"initial_gap", constants.initial_gap},
            {"num_workers", constants.num_workers},
            {"batch_size", constants.batch_size},
            {"estimated", constants.estimated},
            {"rho", bounds.rho},
            {"staleness_bound",
             bounds.staleness_bound < 0 ? json(nullptr) : json(bounds.staleness_bound)}}},
          {"list", std::move(list)}};
}

}  // namespace

json mixing_spectrum_json(const MixingSpectrum& spectrum) {
  return {{"solver", to_string(spectrum.method)},
          {"solver_status", to_string(spectrum.status.code())},
          {"solver_message", spectrum.status.message()},
          {"solver_iterations", spectrum.iterations},
          {"residual", spectrum.residual},
          {"lambda_2", spectrum.second_largest},
          {"lambda_n", spectrum.smallest},
          {"slem", spectrum.slem},
          {"spectral_gap", spectrum.spectral_gap}};
}

namespace {

json spectra_json(const RunEstimates& estimates) {
  if (estimates.spectra.empty()) return nullptr;
  json spectra = json::array();
  for (const SpectrumEstimate& estimate : estimates.spectra) {
    json entry = mixing_spectrum_json(estimate.spectrum);
    entry["matrix"] = estimate.matrix;
    entry["origin"] = estimate.matrix == "E[W] measured" ? "estimated" : "exact";
    entry["rho"] = estimate.rho;
    entry["rho_bar"] = estimate.rho_bar;
    spectra.push_back(std::move(entry));
  }
  return spectra;
}

json final_row_json(const std::vector<TraceRow>& trace) {
  if (trace.empty()) return nullptr;
  const TraceRow& row = trace.back();
  return {{"iteration", row.iteration},
          {"gradient_evaluations", row.gradient_evaluations},
          {"virtual_time_s", row.virtual_time_s},
          {"loss", row.loss},
          {"grad_norm_sq", row.grad_norm_sq},
          {"running_avg_grad_norm_sq", row.running_avg_grad_norm_sq},
          {"consensus", row.consensus}};
}

json staleness_json(const StalenessStatistics& stats) {
  json per_worker = json::array();
  for (std::size_t i = 0; i < stats.per_worker.size(); ++i) {
    const auto& worker = stats.per_worker[i];
    per_worker.push_back(
        {{"worker", i}, {"updates", worker.updates}, {"mean", worker.mean}, {"max", worker.max}});
  }
  json histogram = json::array();
  for (const StalenessBin& bin : stats.histogram) {
    histogram.push_back({{"staleness", bin.staleness}, {"count", bin.count}});
  }
  json result = {{"updates", stats.updates},
                 {"quantile_method", "nearest_rank"},
                 {"histogram", std::move(histogram)},
                 {"per_worker", std::move(per_worker)}};
  if (stats.updates == 0) {
    for (const char* key : {"max", "mean", "p50", "p95", "p99"}) result[key] = nullptr;
  } else {
    result["max"] = stats.max;
    result["mean"] = stats.mean;
    result["p50"] = stats.p50;
    result["p95"] = stats.p95;
    result["p99"] = stats.p99;
  }
  return result;
}

json pair_counts_json(const RunSetup& setup, const RunResult& result) {
  const auto edges = setup.graph ? setup.graph->edges() : std::vector<std::pair<int, int>>{};
  if (result.pair_counts.size() != edges.size()) {
    throw std::logic_error("run result has " + std::to_string(result.pair_counts.size()) +
                           " AD-PSGD pair counts but the graph has " +
                           std::to_string(edges.size()) + " edges");
  }
  json counts = json::array();
  for (std::size_t e = 0; e < edges.size(); ++e) {
    counts.push_back(
        {{"u", edges[e].first}, {"v", edges[e].second}, {"count", result.pair_counts[e]}});
  }
  return counts;
}

}  // namespace

CsvTable trace_table(std::span<const TraceRow> trace, std::span<const std::string> extra_columns) {
  std::vector<std::string> header = trace_columns();
  header.insert(header.end(), extra_columns.begin(), extra_columns.end());
  CsvTable table(std::move(header));
  for (const TraceRow& row : trace) {
    if (row.extra.size() != extra_columns.size()) {
      throw std::logic_error("trace row at iteration " + std::to_string(row.iteration) + " has " +
                             std::to_string(row.extra.size()) + " extra values for " +
                             std::to_string(extra_columns.size()) + " extra columns");
    }
    std::vector<CsvCell> cells{
        row.iteration, row.gradient_evaluations, row.virtual_time_s,           row.step_size,
        row.loss,      row.grad_norm_sq,         row.running_avg_grad_norm_sq, row.consensus};
    cells.insert(cells.end(), row.extra.begin(), row.extra.end());
    table.add_row(std::move(cells));
  }
  return table;
}

CsvTable timing_table(std::span<const TraceRow> trace) {
  CsvTable table(timing_columns());
  for (const TraceRow& row : trace) table.add_row({row.iteration, row.wall_time_s});
  return table;
}

RunEstimates run_estimates(const BuiltRun& run, const RunResult& result) {
  const RunSetup& setup = run.setup;
  const Vector x_0 =
      setup.initial_point.size() != 0 ? setup.initial_point : setup.problem->initial_point();
  return estimate_run(setup, result, x_0, run.trajectory_probe.get(), run.config.estimators);
}

json run_summary(const BuiltRun& run, const RunResult& result) {
  return run_summary(run, result, run_estimates(run, result));
}

json run_summary(const BuiltRun& run, const RunResult& result, const RunEstimates& estimates) {
  return run_summary(run, result, estimates, run_bounds(run.setup, result, estimates));
}

CsvTable bounds_table(const RunBounds& bounds, std::span<const TraceRow> trace) {
  std::vector<std::string> header{"iteration", "running_avg_grad_norm_sq"};
  std::vector<const RunBound*> curves;
  for (const RunBound& run_bound : bounds.bounds) {
    if (run_bound.curve.empty()) continue;
    header.push_back(run_bound.bound.name);
    curves.push_back(&run_bound);
  }
  CsvTable table(std::move(header));
  std::size_t checkpoint = 0;
  for (const TraceRow& row : trace) {
    if (row.iteration < 1) continue;
    if (checkpoint >= bounds.checkpoints.size() ||
        bounds.checkpoints[checkpoint] != row.iteration) {
      throw std::logic_error("bounds_table: the bounds' checkpoints do not match the trace");
    }
    std::vector<CsvCell> cells{CsvCell(row.iteration), CsvCell(row.running_avg_grad_norm_sq)};
    for (const RunBound* run_bound : curves) cells.emplace_back(run_bound->curve[checkpoint]);
    table.add_row(std::move(cells));
    ++checkpoint;
  }
  return table;
}

json run_summary(const BuiltRun& run, const RunResult& result, const RunEstimates& estimates,
                 const RunBounds& bounds) {
  const RunConfig& config = run.config;
  const Problem& problem = *run.problem;
  const AlgorithmKind kind = config.algorithm.kind;
  json summary;
  summary["dsgdlab_version"] = kVersion;
  summary["status"] = to_string(result.status.code());
  summary["status_message"] = result.status.message();
  summary["engine"] = config.run.engine;
  summary["seed"] = config.run.seed;
  summary["workers"] = config.run.workers;
  summary["algorithm"] = {{"name", to_string(kind)},
                          {"asynchronous", is_asynchronous(kind)},
                          {"description", run.algorithm_description}};
  summary["problem"] = {
      {"name", problem.name()}, {"dim", problem.dim()}, {"description", problem.describe()}};
  summary["topology"] =
      run.topology_description.empty()
          ? json(nullptr)
          : json{{"kind", config.topology.mixing_from_file() && kind == AlgorithmKind::kDpsgd
                              ? std::string("mixing_file")
                              : config.topology.graph.kind},
                 {"description", run.topology_description}};
  if (run.grouping_description.empty()) {
    summary["grouping"] = nullptr;
  } else {
    json clusters = json::array();
    for (int level = 0; level <= run.setup.grouping.num_levels(); ++level) {
      clusters.push_back(run.setup.grouping.num_clusters(level));
    }
    summary["grouping"] = {{"description", run.grouping_description},
                           {"clusters_per_level", std::move(clusters)}};
  }
  summary["iterations_planned"] = config.run.iterations;
  summary["iterations"] = result.iterations;
  summary["gradient_evaluations"] = result.gradient_evaluations;
  summary["virtual_time_s"] = result.virtual_time_s;
  summary["wall_time_s"] = result.wall_time_s;
  summary["probe_time_s"] = result.probe_time_s;
  if (result.time_breakdown) {
    summary["worker_time_breakdown_s"] = {{"compute", result.time_breakdown->compute_s},
                                          {"communication", result.time_breakdown->communication_s},
                                          {"coordination", result.time_breakdown->coordination_s}};
  }
  summary["trace_rows"] = result.trace.size();
  summary["running_average_every"] = config.probe.running_average_every;
  summary["running_average_exact"] = result.running_average_exact;
  summary["final"] = final_row_json(result.trace);
  summary["constants"] = constants_json(estimates);
  summary["trajectory"] = trajectory_json(estimates);
  summary["spectral"] = spectra_json(estimates);
  summary["bounds"] = bounds_json(bounds);
  summary["worker_updates"] = result.worker_updates;
  summary["staleness"] =
      is_asynchronous(kind)
          ? staleness_json(staleness_statistics(result.updates, config.run.workers))
          : json(nullptr);
  summary["pair_counts"] =
      kind == AlgorithmKind::kAdpsgd ? pair_counts_json(run.setup, result) : json(nullptr);
  replace_non_finite(summary);
  return summary;
}

RunBounds write_run_results(const std::filesystem::path& directory, const BuiltRun& run,
                            const RunResult& result) {
  // Build everything first so that a failure (say, mismatched pair counts) writes nothing.
  const std::string config_text = resolved_config_toml(run.config);
  const CsvTable trace = trace_table(result.trace, result.extra_trace_columns);
  const CsvTable timing = timing_table(result.trace);
  const RunEstimates estimates = run_estimates(run, result);
  const RunBounds bounds = run_bounds(run.setup, result, estimates);
  const CsvTable bound_curves = bounds_table(bounds, result.trace);
  const json summary = run_summary(run, result, estimates, bounds);
  write_file_atomically(directory / kConfigFileName, config_text);
  trace.write(directory / kTraceFileName);
  timing.write(directory / kTimingFileName);
  bound_curves.write(directory / kBoundsFileName);
  write_json_atomically(directory / kSummaryFileName, summary);
  return bounds;
}

}  // namespace dsgdlab
