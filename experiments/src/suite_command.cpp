#include "dsgdlab/experiments/suite_command.hpp"

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/cli.hpp"
#include "progress_line.hpp"

namespace dsgdlab {

int run_suite_command(const std::filesystem::path& suite_file, const std::filesystem::path& output,
                      const SuiteCommandOptions& options, bool terminal, std::ostream& out,
                      std::ostream& err) {
  options.run.validate();
  const std::string text = read_file(suite_file);
  const SuiteConfig suite =
      parse_suite_text(text, suite_file, {.quick = options.quick, .engine = options.engine});
  ProgressLine progress(err, terminal, "suite " + suite.name, "runs");
  const ProgressCallback callback = progress.callback();
  const SuiteOutcome outcome =
      run_suite(suite, text, output, options.run, [&](std::int64_t done, std::int64_t total) {
        if (callback) callback(done, total);
      });
  progress.finish();
  out << suite_summary_line(suite, outcome, output) << '\n';
  for (const std::string& failure : outcome.failures) out << "  failed: " << failure << '\n';
  return outcome.failures.empty() ? kExitSuccess : kExitRunFailed;
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
