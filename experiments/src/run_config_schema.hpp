#pragma once

// The table of every configuration key (private to dsgdlab::experiments). Reading, the
// unused-key checks, config.toml and equality all walk this one table, so a key cannot be
// read without being written, or written without being compared.

#include <toml++/toml.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dsgdlab/experiments/run_config.hpp"

namespace dsgdlab::config_schema {

/// What a reader needs besides the node.
struct ReadContext {
  /// "algorithm.step_size".
  std::string key;
  /// Relative paths are resolved against this directory.
  std::filesystem::path base_dir;
  /// Readers of nested values (arrays of tables) record the lines of their elements here.
  std::map<std::string, std::size_t>* lines = nullptr;
};

/// Why `config` does not use a key or a table ("is only used when algorithm.name is
/// \"local_sgd\" (here \"hsgd\")"), or empty when it does.
using UsageRule = std::function<std::string(const RunConfig&)>;

struct KeySpec {
  std::string_view name;
  /// Must appear in the file (when its table is used).
  bool required = false;
  /// Stores the node's value in the configuration; throws InputError naming ReadContext::key.
  std::function<void(const toml::node&, RunConfig&, const ReadContext&)> read;
  /// The effective value as TOML text.
  std::function<std::string(const RunConfig&)> format;
  UsageRule unused_reason;
  /// Optional: left out of config.toml although used, because leaving it out means the same
  /// (hsgd's level_periods when empty).
  std::function<bool(const RunConfig&)> omit;
};

struct SectionSpec {
  std::string_view name;
  std::vector<KeySpec> keys;
  UsageRule unused_reason;

  const KeySpec* find(std::string_view key) const;
  std::vector<std::string_view> key_names() const;
};

/// Every table in the order config.toml lists them: run, problem, data, algorithm, topology,
/// grouping, cost, probe.
const std::vector<SectionSpec>& sections();

/// The spec of a table, or nullptr.
const SectionSpec* find_section(std::string_view name);

}  // namespace dsgdlab::config_schema
