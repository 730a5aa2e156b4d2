#pragma once

/// `dsgdlab check` and `dsgdlab report` (docs/suites.md):
///
///   dsgdlab check RESULTS [--baseline FILE_OR_DIR] [--update-baseline] [--json]
///   dsgdlab report RESULTS
///
/// RESULTS is one suite results directory (it holds suite.json) or a directory whose immediate
/// subdirectories are suite directories. `check` evaluates every claim of every suite
/// (claim_evaluation.hpp), compares each with the baseline (baseline.hpp), prints a table
/// (suite, claim, measured, expected, verdict PASS / FAIL / REGRESSED, baseline) or with
/// --json one JSON document, and writes verdicts.json into each suite directory. `--baseline`
/// names a baseline file, or a directory holding <suite name>.json per suite (a suite without
/// its file is not compared, and the table says so); `--update-baseline` writes those files
/// from the current results instead of comparing. Exit codes: 0 every claim passed and none
/// regressed, 1 a claim failed or regressed, 2 bad input.
///
/// `report` evaluates like check (no baseline), writes verdicts.json, prints the table and
/// runs `python3 -m dsgdlab_plots.report RESULTS` with PYTHONPATH = the notebooks directory
/// ($DSGDLAB_NOTEBOOKS, else <source>/notebooks), which writes RESULTS/report/index.html.
/// Exit codes: 0 the report was written (whatever the verdicts: gate CI with check),
/// 2 bad input, 3 python3 or the dsgdlab_plots module is missing or the generator failed.

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dsgdlab/experiments/baseline.hpp"
#include "dsgdlab/experiments/claim_evaluation.hpp"
#include "dsgdlab/experiments/suite_results.hpp"

namespace dsgdlab {

inline constexpr std::string_view kVerdictsFormat = "dsgdlab-verdicts/1";

/// One claim's outcome: its verdict and the comparison with the baseline.
struct ClaimOutcome {
  ClaimVerdict verdict;
  /// Why there is no comparison ("no baseline", "no baseline file X", "not in the baseline");
  /// empty when the claim was compared.
  std::string baseline_note;
  std::vector<RegressionCheck> checks;

  bool regressed() const;
  /// "PASS", "FAIL" (the verdict failed, whatever the baseline) or "REGRESSED".
  std::string status() const;
};

/// A suite's outcomes.
struct SuiteCheck {
  std::string suite;
  std::filesystem::path directory;
  std::vector<ClaimOutcome> claims;

  /// Every claim passed and none regressed.
  bool passed() const;
};

/// Evaluates a suite's claims and compares them with `baseline` (none: no comparison, and
/// `no_baseline_note` says why in each claim's baseline column).
SuiteCheck check_suite(const SuiteResults& suite, const Baseline* baseline,
                       const std::string& no_baseline_note = "no baseline");

/// The verdicts.json document of a suite (format "dsgdlab-verdicts/1").
nlohmann::json verdicts_json(const SuiteCheck& check);

/// Prints the verdict table of several suites and a one-line total.
void print_verdict_table(const std::vector<SuiteCheck>& checks, std::ostream& out);

/// The command line of `dsgdlab check`.
struct CheckCommandOptions {
  std::string results;           ///< RESULTS
  std::string baseline;          ///< --baseline FILE_OR_DIR, empty = no comparison
  bool update_baseline = false;  ///< --update-baseline
  bool json = false;             ///< --json
};

/// Adds the `check` subcommand with its options bound to `options`.
CLI::App* add_check_subcommand(CLI::App& app, CheckCommandOptions& options);

/// Runs `check`; returns the exit code (0 or 1). Throws InputError for bad input.
int run_check_command(const CheckCommandOptions& options, std::ostream& out);

/// The command line of `dsgdlab report`.
struct ReportCommandOptions {
  std::string results;  ///< RESULTS
};

/// Adds the `report` subcommand with its options bound to `options`.
CLI::App* add_report_subcommand(CLI::App& app, ReportCommandOptions& options);

/// Runs `report`; returns the exit code (0, or 3 when the HTML could not be generated, with the
/// reason on `err`). Throws InputError for bad input.
int run_report_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err);

/// The notebooks directory: $DSGDLAB_NOTEBOOKS when set, else <source>/notebooks.
std::filesystem::path notebooks_directory();

}  // namespace dsgdlab
