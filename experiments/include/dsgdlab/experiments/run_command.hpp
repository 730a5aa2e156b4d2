#pragma once

/// `dsgdlab run CONFIG --out DIR`: one configuration file, start to finish.

#include <filesystem>
#include <string>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/experiments/run_builder.hpp"

namespace dsgdlab {

/// results/<stem of the configuration file>, relative to the working directory.
std::filesystem::path default_output_directory(const std::filesystem::path& config_file);

struct RunCommandOutcome {
  RunResult result;
  std::filesystem::path output_directory;
  /// one_line_summary of the run.
  std::string summary_line;
};

/// Parses and validates `config_file`, builds the run, checks that `output_directory` is a
/// directory or can become one, runs the configured engine, and writes config.toml,
/// trace.csv and summary.json (result_files.hpp). Bad input throws InputError before anything
/// runs, and then nothing is written. A run that diverges or hits a limit is a result: its
/// status and trace so far are written. An engine failure (exception) writes nothing and
/// propagates.
RunCommandOutcome run_config_file(const std::filesystem::path& config_file,
                                  const std::filesystem::path& output_directory,
                                  const ProgressCallback& progress = {});

/// "hsgd on quadratic: ok, 2000 iterations, final loss 0.0123457, virtual time 2000 s;
/// results in results/hsgd" (six significant digits; the status message follows the status
/// when there is one).
std::string one_line_summary(const BuiltRun& run, const RunResult& result,
                             const std::filesystem::path& output_directory);

}  // namespace dsgdlab
