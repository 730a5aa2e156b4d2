#pragma once

/// `dsgdlab run CONFIG --out DIR`: one configuration file, start to finish.

#include <filesystem>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/run_options.hpp"
#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/analysis/run_bounds.hpp"
#include "dsgdlab/experiments/run_builder.hpp"

namespace dsgdlab {

/// results/<stem of the configuration file>, relative to the working directory.
std::filesystem::path default_output_directory(const std::filesystem::path& config_file);

struct RunCommandOutcome {
  /// False on the ranks of an mpi run other than 0: they ran their workers and have nothing to
  /// report (the other fields are empty).
  bool lead = true;
  RunResult result;
  std::filesystem::path output_directory;
  /// one_line_summary of the run.
  std::string summary_line;
  /// bound_lines of the run's bounds.
  std::vector<std::string> bound_lines;
};

/// Parses and validates `config_file`, builds the run, checks that `output_directory` is a
/// directory or can become one, runs the configured engine, and writes the result files
/// (result_files.hpp). Bad input throws InputError before anything
/// runs, and then nothing is written. A run that diverges or hits a limit is a result: its
/// status and trace so far are written. An engine failure (exception) writes nothing and
/// propagates. Engine "mpi" runs under `mpirun -np workers+1`: every rank calls this, rank 0
/// writes the files; without mpirun, or with any other engine under mpirun, it is bad input.
RunCommandOutcome run_config_file(const std::filesystem::path& config_file,
                                  const std::filesystem::path& output_directory,
                                  const ProgressCallback& progress = {});

/// One line per applicable bound (theory.md §5), for the terminal, e.g.
/// "  bound allreduce_sgd [derived] 0.0231 vs R(K) 0.0112: holds (2.07x)",
/// "  bound dpsgd_theorem [recalled] inf vs R(K) 0.209: conditions fail (D_2 > 0: -20.2)", or
/// "  FINDING: R(K) exceeds apsgd [recalled] at K = 400 although its conditions hold", or the
/// note when no bound applies.
std::vector<std::string> bound_lines(const RunBounds& bounds);

/// "hsgd on quadratic: ok, 2000 iterations, final loss 0.0123457, virtual time 2000 s;
/// results in results/hsgd" (six significant digits; the status message follows the status
/// when there is one).
std::string one_line_summary(const BuiltRun& run, const RunResult& result,
                             const std::filesystem::path& output_directory);

}  // namespace dsgdlab
