#include "dsgdlab/experiments/suite_command.hpp"

#include <algorithm>

#include "dsgdlab/algorithms/engine/mpi_engine.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/cli.hpp"
#include "mpi_world.hpp"
#include "progress_line.hpp"

namespace dsgdlab {
namespace {

/// Runs on engine "mpi" need mpirun with one rank per worker plus the coordinator: refused
/// before anything is written, on every rank, when the launch cannot serve the largest of them.
void check_mpi_launch(const SuiteConfig& suite, const std::filesystem::path& suite_file) {
  int most_workers = 0;
  for (const SuiteRun& run : suite.runs) {
    if (run.config.run.engine == "mpi")
      most_workers = std::max(most_workers, run.config.run.workers);
  }
  if (most_workers == 0) return;
  const int needed = mpi_ranks_needed(most_workers);
  const int launched = launcher_world_size();
  if (launched < needed) {
    throw InputError("suite " + suite.name + " has runs on engine \"mpi\" with up to " +
                     std::to_string(most_workers) + " workers, which need " +
                     std::to_string(needed) + " MPI ranks (one per worker plus the coordinator); " +
                     (launched <= 1 ? std::string("it was not started by mpirun")
                                    : "mpirun started " + std::to_string(launched)) +
                     ": run mpirun -np " + std::to_string(needed) + " dsgdlab run " +
                     suite_file.string());
  }
}

}  // namespace

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
  check_mpi_launch(suite, suite_file);
  const std::unique_ptr<MpiWorld> world = MpiWorld::from_environment();
  if (world) {
    run_options.rank = world->rank();
    run_options.ranks = world->size();
    run_options.synchronize = [&world] { world->barrier(); };
    run_options.share_from_lead = [&world](std::vector<long long> values) {
      return world->broadcast(std::move(values));
    };
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
  const auto refuse = [&](const std::string& option) {
    throw InputError(option + " applies to suite files; " + config_file.string() +
                     " is a run configuration (set run.engine in it to choose the engine)");
  };
  if (options.quick) refuse("--quick");
  if (jobs_given) refuse("--jobs");
  if (options.engine) refuse("--engine");
}

}  // namespace dsgdlab
