#include "dsgdlab/experiments/suite_command.hpp"

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/cli.hpp"
#include "mpi_world.hpp"
#include "progress_line.hpp"

namespace dsgdlab {

int run_suite_command(const std::filesystem::path& suite_file, const std::filesystem::path& output,
                      const SuiteCommandOptions& options, bool terminal, std::ostream& out,
                      std::ostream& err) {
  SuiteRunOptions run_options = options.run;
  run_options.validate();
  const std::string text = read_file(suite_file);
  const SuiteConfig suite =
      parse_suite_text(text, suite_file, {.quick = options.quick, .engine = options.engine});
  // Under mpirun the ranks share the runs; every rank parsed the suite above, so bad input is
  // refused by all of them before any waits for the others.
  const std::unique_ptr<MpiWorld> world = MpiWorld::from_environment();
  if (world) {
    run_options.rank = world->rank();
    run_options.ranks = world->size();
    run_options.synchronize = [&world] { world->barrier(); };
  }
  const bool lead = run_options.rank == 0;
  ProgressLine progress(err, terminal && lead, "suite " + suite.name, "runs");
  const ProgressCallback callback = progress.callback();
  SuiteOutcome outcome =
      run_suite(suite, text, output, run_options, [&](std::int64_t done, std::int64_t total) {
        if (callback) callback(done, total);
      });
  progress.finish();
  for (const std::string& failure : outcome.failures) out << "  failed: " << failure << '\n';
  long long failed = static_cast<long long>(outcome.failures.size());
  if (world) {
    const std::vector<long long> totals =
        world->sum({outcome.total, outcome.skipped, outcome.completed, outcome.not_ok, failed});
    outcome.total = static_cast<int>(totals[0]);
    outcome.skipped = static_cast<int>(totals[1]);
    outcome.completed = static_cast<int>(totals[2]);
    outcome.not_ok = static_cast<int>(totals[3]);
    failed = totals[4];
    outcome.failures.resize(static_cast<std::size_t>(failed));
  }
  if (lead) {
    std::string line = suite_summary_line(suite, outcome, output);
    if (world) line += " (" + std::to_string(world->size()) + " MPI ranks)";
    out << line << '\n';
  }
  return failed == 0 ? kExitSuccess : kExitRunFailed;
}

void reject_suite_options(const SuiteCommandOptions& options, bool jobs_given,
                          const std::filesystem::path& config_file) {
  if (launcher_world_size() > 1) {
    throw InputError("mpirun spreads the runs of a suite over its ranks; " + config_file.string() +
                     " is one run configuration: run it without mpirun");
  }
  const auto refuse = [&](const std::string& option) {
    throw InputError(option + " applies to suite files; " + config_file.string() +
                     " is a run configuration (set run.engine in it to choose the engine)");
  };
  if (options.quick) refuse("--quick");
  if (jobs_given) refuse("--jobs");
  if (options.engine) refuse("--engine");
}

}  // namespace dsgdlab
