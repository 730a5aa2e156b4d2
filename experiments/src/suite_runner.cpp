#include "dsgdlab/experiments/suite_runner.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/result_files.hpp"
#include "dsgdlab/experiments/run_builder.hpp"
#include "engine_dispatch.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kPartialSuffix = ".partial";

fs::path run_directory(const fs::path& directory, const std::string& id) {
  return directory / kSuiteRunsFolder / id;
}

bool finished(const fs::path& run_dir) {
  std::error_code ec;
  return fs::is_regular_file(run_dir / kSummaryFileName, ec);
}

/// Refuses a results directory that belongs to another suite.
void check_results_directory(const SuiteConfig& suite, const fs::path& directory) {
  std::error_code ec;
  if (fs::exists(directory, ec) && !fs::is_directory(directory, ec)) {
    throw InputError("--out " + directory.string() + ": exists and is not a directory");
  }
  const fs::path manifest = directory / kSuiteManifestName;
  if (!fs::is_regular_file(manifest, ec)) return;
  json previous;
  try {
    previous = read_json(manifest);
  } catch (const InputError&) {
    return;  // a broken manifest is rewritten below
  }
  const auto name = previous.value("/suite/name"_json_pointer, std::string());
  if (name != suite.name) {
    throw InputError("--out " + directory.string() + ": holds the results of suite \"" + name +
                     "\", not \"" + suite.name + "\"; choose another directory");
  }
}

/// Removes partial run directories left by an interrupted suite.
void remove_partial_runs(const fs::path& runs) {
  std::error_code ec;
  if (!fs::is_directory(runs, ec)) return;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(runs)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".") && name.ends_with(kPartialSuffix)) stale.push_back(entry.path());
  }
  for (const auto& path : stale) fs::remove_all(path);
}

/// One run start to finish, written under a temporary name and renamed when complete.
/// Returns the run's status code.
/// On engine "mpi" every rank calls it and only rank 0, which gets the result, writes.
StatusCode execute_run(const RunConfig& config, const fs::path& final_dir) {
  const BuiltRun run = build_run(config);
  const std::optional<RunResult> outcome = run_on_engine(config, run.setup);
  if (!outcome) return StatusCode::kOk;
  const RunResult& result = *outcome;
  if (result.status.code() == StatusCode::kFailed) {
    throw std::runtime_error("run failed: " + result.status.message());
  }
  std::string partial_name(".");
  partial_name += final_dir.filename().string();
  partial_name += kPartialSuffix;
  const fs::path partial = final_dir.parent_path() / partial_name;
  fs::remove_all(partial);
  write_run_results(partial, run, result);
  std::error_code ec;
  fs::rename(partial, final_dir, ec);
  if (ec) {
    // A directory without summary.json from an older layout: replace it.
    fs::remove_all(final_dir);
    fs::rename(partial, final_dir);
  }
  return result.status.code();
}

/// True when some run of `suite` uses engine "mpi".
bool uses_mpi_engine(const SuiteConfig& suite) {
  return std::any_of(suite.runs.begin(), suite.runs.end(),
                     [](const SuiteRun& run) { return run.config.run.engine == "mpi"; });
}

/// The distinct runs not finished yet, as rank 0 sees them, on every rank (collective mode:
/// the ranks go through the runs together, so they must agree on the list even when the
/// results directory is not shared). Counts them into `outcome` on rank 0 only.
std::vector<const SuiteRun*> collective_pending_runs(const SuiteConfig& suite,
                                                     const fs::path& directory,
                                                     const SuiteRunOptions& options,
                                                     SuiteOutcome& outcome) {
  std::vector<const SuiteRun*> distinct;
  std::set<std::string> seen;
  for (const SuiteRun& run : suite.runs) {
    if (seen.insert(run.id).second) distinct.push_back(&run);
  }
  std::vector<long long> done(distinct.size(), 0);
  if (options.rank == 0) {
    for (std::size_t r = 0; r < distinct.size(); ++r) {
      done[r] = finished(run_directory(directory, distinct[r]->id)) ? 1 : 0;
    }
  }
  if (options.share_from_lead) done = options.share_from_lead(std::move(done));
  std::vector<const SuiteRun*> pending;
  for (std::size_t r = 0; r < distinct.size(); ++r) {
    if (done[r] == 0) pending.push_back(distinct[r]);
  }
  if (options.rank == 0) {
    outcome.total = static_cast<int>(distinct.size());
    outcome.skipped = outcome.total - static_cast<int>(pending.size());
  }
  return pending;
}

}  // namespace

void SuiteRunOptions::validate() const {
  if (jobs < 1 || jobs > 1024) throw invalid_option("--jobs", jobs, "must be in [1, 1024]");
  if (ranks < 1 || rank < 0 || rank >= ranks) {
    throw invalid_option("rank", rank, "must be in [0, " + std::to_string(ranks) + ")");
  }
}

json suite_manifest(const SuiteConfig& suite) {
  json claims = json::array();
  for (const SuiteClaim& claim : suite.claims) {
    claims.push_back({{"name", claim.name},
                      {"verdict", claim.verdict},
                      {"line", claim.line},
                      {"params", claim.params}});
  }
  json runs = json::array();
  for (const SuiteRun& run : suite.runs) {
    runs.push_back({{"id", run.id},
                    {"label", run.label},
                    {"point", run.point},
                    {"point_index", run.point_index},
                    {"replicate", run.replicate},
                    {"seed", run.config.run.seed},
                    {"directory", std::string(kSuiteRunsFolder) + "/" + run.id}});
  }
  return {{"format", "dsgdlab-suite-results/1"},
          {"suite",
           {{"name", suite.name},
            {"description", suite.description},
            {"file", fs::absolute(suite.file).lexically_normal().string()},
            {"quick", suite.quick},
            {"seed", suite.seed},
            {"seeds", suite.seeds},
            {"engine", suite.engine ? json(*suite.engine) : json(nullptr)}}},
          {"claims", std::move(claims)},
          {"runs", std::move(runs)}};
}

SuiteOutcome run_suite(const SuiteConfig& suite, const std::string& suite_text,
                       const fs::path& directory, const SuiteRunOptions& options,
                       const SuiteProgress& progress) {
  options.validate();
  if (options.jobs > 1 && uses_mpi_engine(suite)) {
    throw invalid_option("--jobs", options.jobs,
                         "must be 1 when the suite has runs on engine mpi (every rank takes part "
                         "in each of them)");
  }
  check_results_directory(suite, directory);
  if (options.rank == 0) {
    fs::create_directories(directory / kSuiteRunsFolder);
    remove_partial_runs(directory / kSuiteRunsFolder);
    write_file_atomically(directory / kSuiteCopyName, suite_text);
    write_json_atomically(directory / kSuiteManifestName, suite_manifest(suite));
  }
  if (options.synchronize) options.synchronize();

  // Distinct runs in suite order; equal configurations (same id) run once, by one rank.
  std::vector<const SuiteRun*> pending;
  std::set<std::string> seen;
  SuiteOutcome outcome;
  const bool collective = options.ranks > 1 && uses_mpi_engine(suite);
  if (collective) {
    pending = collective_pending_runs(suite, directory, options, outcome);
  } else {
    std::size_t distinct = 0;
    for (const SuiteRun& run : suite.runs) {
      if (!seen.insert(run.id).second) continue;
      if (distinct++ % static_cast<std::size_t>(options.ranks) !=
          static_cast<std::size_t>(options.rank)) {
        continue;
      }
      ++outcome.total;
      if (finished(run_directory(directory, run.id))) {
        ++outcome.skipped;
      } else {
        pending.push_back(&run);
      }
    }
  }
  std::mutex mutex;
  std::int64_t done = outcome.skipped;
  if (progress) progress(done, outcome.total);
  std::atomic<std::size_t> next{0};
  const bool lead = options.rank == 0;
  const auto worker = [&] {
    for (std::size_t i = next++; i < pending.size(); i = next++) {
      const SuiteRun& run = *pending[i];
      // Together through the runs: an mpi run needs every rank, any other only rank 0.
      const bool mpi_run = run.config.run.engine == "mpi";
      if (collective && !lead) {
        if (mpi_run) execute_run(run.config, run_directory(directory, run.id));
        continue;
      }
      std::string failure;
      StatusCode status = StatusCode::kOk;
      try {
        status = execute_run(run.config, run_directory(directory, run.id));
      } catch (const std::exception& error) {
        failure = "run " + run.id + " (point " + run.point.dump() + ", replicate " +
                  std::to_string(run.replicate) + "): " + error.what();
      }
      const std::lock_guard lock(mutex);
      if (failure.empty()) {
        ++outcome.completed;
        if (status != StatusCode::kOk) ++outcome.not_ok;
      } else {
        outcome.failures.push_back(std::move(failure));
      }
      ++done;
      if (progress) progress(done, outcome.total);
    }
  };
  const int threads = std::min<int>(options.jobs, static_cast<int>(pending.size()));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& thread : pool) thread.join();
  }
  if (options.synchronize) options.synchronize();
  return outcome;
}

std::string suite_summary_line(const SuiteConfig& suite, const SuiteOutcome& outcome,
                               const fs::path& directory) {
  std::string line = "suite " + suite.name + (suite.quick ? " (quick)" : "") + ": " +
                     std::to_string(outcome.total) + " runs, " + std::to_string(outcome.completed) +
                     " run now, " + std::to_string(outcome.skipped) + " already done, " +
                     std::to_string(outcome.failures.size()) + " failed";
  if (outcome.not_ok > 0) {
    line += " (" + std::to_string(outcome.not_ok) + " ended early: diverged or a limit)";
  }
  return line + "; results in " + directory.string();
}

}  // namespace dsgdlab
