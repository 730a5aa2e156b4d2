#include "dsgdlab/experiments/run_command.hpp"

#include <sstream>
#include <system_error>

#include "dsgdlab/algorithms/engine/mpi_engine.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/result_files.hpp"
#include "dsgdlab/experiments/run_config.hpp"
#include "engine_dispatch.hpp"
#include "mpi_world.hpp"

namespace dsgdlab {
namespace {

std::string six_digits(double value) {
  std::ostringstream text;
  text.precision(6);
  text << value;
  return text.str();
}

// Refuses an output path that exists and is not a directory, before anything runs.
void check_output_directory(const std::filesystem::path& directory) {
  std::error_code ec;
  const auto status = std::filesystem::status(directory, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status)) {
    throw InputError("--out " + directory.string() + ": exists and is not a directory");
  }
}

}  // namespace

std::filesystem::path default_output_directory(const std::filesystem::path& config_file) {
  return std::filesystem::path("results") / config_file.stem();
}

RunCommandOutcome run_config_file(const std::filesystem::path& config_file,
                                  const std::filesystem::path& output_directory,
                                  const ProgressCallback& progress) {
  const RunConfig config = parse_run_config(config_file);
  const bool mpi = config.run.engine == "mpi";
  const int launched_ranks = launcher_world_size();
  const std::string needed = std::to_string(mpi_ranks_needed(config.run.workers));
  if (mpi && launched_ranks <= 1) {
    throw InputError(
        "run.engine (\"mpi\") runs one MPI rank per worker plus a coordinator: "
        "start it with mpirun -np " +
        needed + " dsgdlab run " + config_file.string());
  }
  if (!mpi && launched_ranks > 1) {
    throw InputError("started by mpirun with " + std::to_string(launched_ranks) + " ranks, but " +
                     config_file.string() + " runs on engine \"" + config.run.engine +
                     "\": set run.engine = \"mpi\" to run its workers on the ranks (mpirun -np " +
                     needed + "), or give mpirun a suite file to spread its runs over the ranks");
  }
  const BuiltRun run = build_run(config);
  check_output_directory(output_directory);
  const std::unique_ptr<MpiWorld> world = mpi ? MpiWorld::from_environment() : nullptr;
  std::optional<RunResult> outcome = run_on_engine(config, run.setup, progress);
  if (!outcome) {
    RunCommandOutcome worker_rank;
    worker_rank.lead = false;
    return worker_rank;
  }
  RunResult result = std::move(*outcome);
  const RunBounds bounds = write_run_results(output_directory, run, result);
  std::string line = one_line_summary(run, result, output_directory);
  return {.result = std::move(result),
          .output_directory = output_directory,
          .summary_line = std::move(line),
          .bound_lines = bound_lines(bounds)};
}

std::vector<std::string> bound_lines(const RunBounds& bounds) {
  std::vector<std::string> lines;
  if (!bounds.note.empty()) lines.push_back("  bounds: " + bounds.note);
  for (const RunBound& run_bound : bounds.bounds) {
    const Bound& bound = run_bound.bound;
    const std::string label = bound.name + " [" + std::string(to_string(bound.provenance)) + "]";
    if (run_bound.reference) {
      lines.push_back("  reference " + label + " " + six_digits(bound.value) + " vs R(K) " +
                      six_digits(run_bound.measured) +
                      " (a rung of the H-SGD sandwich, not a bound on this run)");
      continue;
    }
    if (bound.conditions_hold() && !run_bound.holds_at_every_checkpoint) {
      lines.push_back("  FINDING: R(K) exceeds " + label +
                      " at K = " + std::to_string(run_bound.first_violation) +
                      " although its conditions hold (bound " + six_digits(bound.value) +
                      ", R(K) " + six_digits(run_bound.measured) + " at the last checkpoint)");
      continue;
    }
    std::string line = "  bound " + label + " " + six_digits(bound.value) + " vs R(K) " +
                       six_digits(run_bound.measured) + ": ";
    if (bound.conditions_hold()) {
      line += "holds (" + six_digits(run_bound.tightness) + "x)";
    } else {
      line += "conditions fail";
      std::string separator = " (";
      for (const BoundCondition& condition : bound.conditions) {
        if (condition.holds) continue;
        line += separator + condition.rule + ": " + six_digits(condition.value) + " vs " +
                six_digits(condition.threshold);
        separator = "; ";
      }
      line += ")";
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string one_line_summary(const BuiltRun& run, const RunResult& result,
                             const std::filesystem::path& output_directory) {
  std::string line(to_string(run.config.algorithm.kind));
  line += " on ";
  line += run.problem->name();
  line += ": ";
  line += to_string(result.status.code());
  if (!result.status.message().empty()) line += " (" + result.status.message() + ")";
  line += ", " + std::to_string(result.iterations) + " iterations, final loss ";
  line += result.trace.empty() ? std::string("n/a") : six_digits(result.trace.back().loss);
  line += ", virtual time " + six_digits(result.virtual_time_s) + " s; results in ";
  line += output_directory.string();
  return line;
}

}  // namespace dsgdlab
