#pragma once

/// `dsgdlab run SUITE --out DIR [--jobs N] [--quick] [--engine E]` (suite_config.hpp,
/// suite_runner.hpp): parses and validates every run first (bad input: exit 2, nothing
/// written), runs them with a progress line on a terminal (runs done/total, ETA), prints the
/// summary line and one line per failed run. Exit 0 when every run finished (whatever its
/// status), 3 when a run failed.

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "dsgdlab/experiments/suite_runner.hpp"

namespace dsgdlab {

struct SuiteCommandOptions {
  SuiteRunOptions run;
  bool quick = false;
  std::optional<std::string> engine;
};

int run_suite_command(const std::filesystem::path& suite_file, const std::filesystem::path& output,
                      const SuiteCommandOptions& options, bool terminal, std::ostream& out,
                      std::ostream& err);

/// Throws InputError when suite-only options were given for a run configuration file.
void reject_suite_options(const SuiteCommandOptions& options, bool jobs_given,
                          const std::filesystem::path& config_file);

}  // namespace dsgdlab
