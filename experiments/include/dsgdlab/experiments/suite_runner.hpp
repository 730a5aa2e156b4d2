#pragma once

/// `dsgdlab run SUITE --out DIR [--jobs N] [--quick] [--engine E]`: every run of a suite, in
/// parallel, into one results directory (docs/suites.md):
///
///     DIR/suite.json      the manifest: suite, claims, and every run with its point,
///                         replicate, seed and directory (written before the runs start)
///     DIR/suite.toml      a copy of the suite file
///     DIR/runs/<id>/      one run's result files (result_files.hpp), <id> = hash of its
///                         resolved config.toml
///
/// A run is written into DIR/runs/.<id>.partial and renamed to DIR/runs/<id> once complete, so a
/// run directory always holds a finished run: interrupting a suite (Ctrl-C, a crash, a killed
/// job) loses at most the runs in flight, and running the suite again skips the finished ones
/// and removes stale partial directories. Runs are independent and each is deterministic on
/// `sim`, so the results do not depend on --jobs.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "dsgdlab/experiments/suite_config.hpp"

namespace dsgdlab {

inline constexpr std::string_view kSuiteManifestName = "suite.json";
inline constexpr std::string_view kSuiteCopyName = "suite.toml";
inline constexpr std::string_view kSuiteRunsFolder = "runs";

struct SuiteRunOptions {
  /// Runs at a time, ≥ 1.
  int jobs = 1;
  /// Spreading a suite over processes (mpirun -np K): this process is `rank` of `ranks` and
  /// runs the distinct runs i with i mod ranks = rank. Rank 0 writes suite.json and suite.toml
  /// and removes stale partial directories before `synchronize` returns on every rank; every
  /// rank calls `synchronize` again when its share is done. The directory must be shared.
  int rank = 0;
  int ranks = 1;
  std::function<void()> synchronize;
  /// Runs on engine "mpi" need every rank (one per worker): when a suite has any, the ranks go
  /// through the runs together instead of sharing them. Rank 0 decides which runs are finished
  /// and `share_from_lead(values)` hands its values to every rank; an mpi run is run by every
  /// rank (rank 0 writes it), a run on another engine by rank 0 alone. --jobs must be 1.
  std::function<std::vector<long long>(std::vector<long long>)> share_from_lead;

  /// Throws InputError naming "--jobs" (or the rank when 0 ≤ rank < ranks fails).
  void validate() const;
};

/// Called after each run finishes or is skipped: (runs done, total runs). From worker
/// threads, serialised by the runner.
using SuiteProgress = std::function<void(std::int64_t done, std::int64_t total)>;

struct SuiteOutcome {
  /// Distinct runs (equal configurations run once) of this rank's share, already finished
  /// before this call, run now, and failed (an engine exception or status `failed`; their
  /// directories are not written).
  int total = 0;
  int skipped = 0;
  int completed = 0;
  std::vector<std::string> failures;
  /// Runs whose status is not ok (diverged, limits): results, reported in the summary line.
  int not_ok = 0;
};

/// The manifest suite.json of `suite`.
nlohmann::json suite_manifest(const SuiteConfig& suite);

/// Runs every run of `suite` not finished yet into `directory` (created if missing). Throws
/// InputError when `directory` exists and is not a directory, or holds results of another
/// suite (its suite.json names a different suite); an exception from one run is recorded in
/// SuiteOutcome::failures and the others go on.
SuiteOutcome run_suite(const SuiteConfig& suite, const std::string& suite_text,
                       const std::filesystem::path& directory, const SuiteRunOptions& options,
                       const SuiteProgress& progress = {});

/// "suite adpsgd_rate (quick): 24 runs, 24 run now, 0 already done, 0 failed; results in DIR".
std::string suite_summary_line(const SuiteConfig& suite, const SuiteOutcome& outcome,
                               const std::filesystem::path& directory);

}  // namespace dsgdlab
