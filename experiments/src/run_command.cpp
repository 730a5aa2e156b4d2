#include "dsgdlab/experiments/run_command.hpp"

#include <sstream>
#include <system_error>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"
#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/result_files.hpp"
#include "dsgdlab/experiments/run_config.hpp"

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
  const BuiltRun run = build_run(config);
  check_output_directory(output_directory);
  // validate_run_config admits only engines that exist.
  RunResult result = config.run.engine == "threads" ? run_threads(run.setup, progress)
                                                    : run_simulation(run.setup, progress);
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
