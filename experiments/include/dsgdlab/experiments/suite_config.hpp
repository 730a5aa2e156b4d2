#pragma once

/// A suite: many runs from one TOML file (docs/suites.md). The file has
/// - `[suite]`: `name` ([a-z0-9_]+), `description`, `seed` (base seed, default 0), `seeds`
///   (replicates per run point, default 1), and `[suite.quick]` with `seeds`, `defaults` and
///   `sweep` overrides applied by `--quick`;
/// - `[defaults]`: a run configuration (docs/configuration.md) shared by every run;
/// - `[[run]]`: explicit run points, each a partial run configuration merged over the defaults,
///   with an optional `label`;
/// - `[sweep]`: Cartesian axes `"table.key" = [values]`;
/// - `[[claim]]`: the claims `dsgdlab check` evaluates (name, verdict and its keys).
/// Run points = (each [[run]] entry, or one empty entry) × (product of the sweep axes); each
/// point runs `seeds` times. Replicate s gets run.seed = derive_suite_seed(seed, s) unless the
/// point sets run.seed, so replicate s of every point shares its sampling seeds (common random
/// numbers for paired comparisons).
///
/// Parsing is strict and every run is validated before anything runs: an unknown key, a bad
/// value or a run configuration error names the suite file, the line, the key and the rule,
/// e.g. "rates.toml:14: algorithm.step_size (-1) must be > 0" (the line of the [sweep] value or
/// [defaults] key that produced it).

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dsgdlab/experiments/run_config.hpp"

namespace dsgdlab {

/// One [[claim]] table: its name, verdict and every other key as JSON (docs/suites.md
/// "Claims"). Keys are checked against the verdict's allowed keys when the suite is parsed;
/// their values are checked when the claim is evaluated.
struct SuiteClaim {
  std::string name;
  std::string verdict;
  std::size_t line = 0;
  nlohmann::json params = nlohmann::json::object();
};

/// The verdict names a claim may use: "rate", "linear_speedup", "bound_holds",
/// "heterogeneity_robustness", "sandwich", "exactness".
const std::vector<std::string>& claim_verdict_names();

/// One run of a suite: a run point and a replicate.
struct SuiteRun {
  /// The point's [[run]] label (empty when none).
  std::string label;
  /// The values that distinguish the point: the keys its [[run]] entry sets, flattened to
  /// "table.key" (label excluded), and its sweep axis values.
  nlohmann::json point = nlohmann::json::object();
  /// Index of the run point (0-based, in expansion order) and the replicate 0..seeds−1.
  int point_index = 0;
  int replicate = 0;
  RunConfig config;
  /// 16 hex digits of the FNV-1a 64-bit hash of resolved_config_toml(config): the name of the
  /// run's directory. Equal configurations share an id (and run once).
  std::string id;
};

struct SuiteConfig {
  std::filesystem::path file;
  std::string name;
  std::string description;
  std::int64_t seed = 0;
  int seeds = 1;
  bool quick = false;
  /// The --engine override, when given.
  std::optional<std::string> engine;
  std::vector<SuiteClaim> claims;
  /// Every run, point by point, replicates in order.
  std::vector<SuiteRun> runs;
};

/// Options of parse_suite that come from the command line.
struct SuiteParseOptions {
  /// Apply [suite.quick].
  bool quick = false;
  /// Override run.engine of every run ("sim", "threads", "mpi").
  std::optional<std::string> engine;
};

/// True when `file` is a TOML file with a top-level [suite] table (false for a syntax error,
/// which the run-configuration parser then reports).
bool is_suite_file(const std::filesystem::path& file);

/// Reads, expands and validates a suite. Throws InputError / FileFormatError naming the file,
/// line, key and rule.
SuiteConfig parse_suite(const std::filesystem::path& file, const SuiteParseOptions& options = {});

/// The same for text in memory; `file` names it in messages and anchors relative paths.
SuiteConfig parse_suite_text(std::string_view text, const std::filesystem::path& file,
                             const SuiteParseOptions& options = {});

/// run.seed of replicate s: the SplitMix64 finaliser of (base seed, s), kept to 52 bits so that
/// it is a non-negative TOML integer that doubles represent exactly.
std::int64_t derive_suite_seed(std::int64_t base_seed, int replicate);

/// 16 lower-case hex digits of the FNV-1a 64-bit hash of `text`.
std::string hash_hex(std::string_view text);

}  // namespace dsgdlab
