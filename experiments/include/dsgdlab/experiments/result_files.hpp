#pragma once

/// The result files of one run, written into its output directory (docs/configuration.md,
/// "Result files"):
/// - config.toml: resolved_config_toml, the configuration that reproduces the run;
/// - trace.csv: one row per probe checkpoint, columns trace_columns(), numbers in shortest
///   round-trip form; deterministic, so byte-identical for the same configuration;
/// - timing.csv: the wall time of each checkpoint (timing_columns()), which varies from run to
///   run and is therefore kept out of trace.csv;
/// - bounds.csv: the applicable bounds of theory.md §5 at every checkpoint beside R(K)
///   (bounds_table);
/// - summary.json: status, descriptions, counters and timings, the final trace row, the
///   constants L, σ², ζ², f*, Δ with their origin (exact / upper_bound / estimated), trajectory
///   statistics of the per-checkpoint estimates, the spectra of D-PSGD's W or AD-PSGD's E[W],
///   and for asynchronous algorithms staleness statistics (and AD-PSGD's pair counts).
/// Every file is written atomically (temporary file + rename); summary.json is written last,
/// so its presence marks a complete set.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/analysis/estimators/staleness.hpp"
#include "dsgdlab/analysis/run_bounds.hpp"
#include "dsgdlab/analysis/run_estimates.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/run_builder.hpp"

namespace dsgdlab {

inline constexpr std::string_view kConfigFileName = "config.toml";
inline constexpr std::string_view kTraceFileName = "trace.csv";
inline constexpr std::string_view kTimingFileName = "timing.csv";
inline constexpr std::string_view kBoundsFileName = "bounds.csv";
inline constexpr std::string_view kSummaryFileName = "summary.json";

/// trace.csv as a table: header trace_columns() followed by `extra_columns` (the checkpoint
/// probe's), iteration and gradient_evaluations as integers, the other columns as doubles.
/// Throws std::logic_error when a row's extra values do not match the extra columns.
CsvTable trace_table(std::span<const TraceRow> trace,
                     std::span<const std::string> extra_columns = {});

/// timing.csv as a table: iteration, wall_time_s (probe time excluded) per trace row.
CsvTable timing_table(std::span<const TraceRow> trace);

/// The estimates of theory.md §4 for a finished run (estimate_run with the run's x_0, probe
/// and [estimators] options).
RunEstimates run_estimates(const BuiltRun& run, const RunResult& result);

/// The solver and spectrum fields shared by summary.json `spectral` entries and
/// `dsgdlab spectral --json`: solver, solver_status, solver_message, solver_iterations,
/// residual, lambda_2, lambda_n, slem, spectral_gap.
nlohmann::json mixing_spectrum_json(const MixingSpectrum& spectrum);

/// bounds.csv as a table: iteration, the measured running_avg_grad_norm_sq R(K), and one column
/// per bound with a curve (theorems at the run's step; corollaries have none), one row per
/// trace checkpoint with K ≥ 1. Throws std::logic_error when `bounds` was not computed from
/// this trace.
CsvTable bounds_table(const RunBounds& bounds, std::span<const TraceRow> trace);

/// The content of summary.json, with `estimates` as its constants, trajectory and spectral
/// entries and `bounds` as its bounds entry (docs/configuration.md).
nlohmann::json run_summary(const BuiltRun& run, const RunResult& result,
                           const RunEstimates& estimates, const RunBounds& bounds);

/// The same with the bounds computed from `estimates` (run_bounds).
nlohmann::json run_summary(const BuiltRun& run, const RunResult& result,
                           const RunEstimates& estimates);

/// The same, estimating first (run_estimates). Non-finite numbers (a diverged loss) become null.
/// Throws std::logic_error when the result does not fit the setup (AD-PSGD pair counts that do not
/// match the graph's edges).
nlohmann::json run_summary(const BuiltRun& run, const RunResult& result);

/// Writes config.toml, trace.csv, timing.csv, bounds.csv and then summary.json into `directory`
/// (created if missing), each atomically. Throws std::runtime_error when the file system refuses.
/// Returns the bounds it wrote.
RunBounds write_run_results(const std::filesystem::path& directory, const BuiltRun& run,
                            const RunResult& result);

}  // namespace dsgdlab
