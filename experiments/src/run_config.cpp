#include "dsgdlab/experiments/run_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <span>
#include <utility>

#include "config_errors.hpp"
#include "dsgdlab/algorithms/topology/hierarchical_grouping.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/core/version.hpp"
#include "dsgdlab/problems/nonconvex_separable.hpp"
#include "run_config_internal.hpp"
#include "run_config_schema.hpp"
#include "toml_support.hpp"

namespace dsgdlab {
namespace {

using config_errors::throw_at;
using config_errors::with_context;
namespace schema = config_schema;
namespace ts = toml_support;

constexpr ProblemKind kProblemKinds[] = {ProblemKind::kQuadratic, ProblemKind::kNonconvexSeparable,
                                         ProblemKind::kLogisticNonconvex, ProblemKind::kMlp,
                                         ProblemKind::kRobustRegression};

// The entries of a table in file order (toml++ iterates in key order).
std::vector<std::pair<std::string, const toml::node*>> entries_in_file_order(
    const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(std::string(key.str()), &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return ts::line_of(*a.second) < ts::line_of(*b.second);
  });
  return entries;
}

std::string suggestion(std::string_view word, const std::vector<std::string_view>& names,
                       std::string_view open, std::string_view close) {
  const auto match = ts::closest_match(word, names);
  if (!match) return {};
  return " (did you mean " + std::string(open) + *match + std::string(close) + "?)";
}

std::string known_list(const std::vector<std::string_view>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ", ";
    text += names[i];
  }
  return text;
}

// Reads every table and key of `root` into `config`, recording lines; returns the tables
// present in the file.
std::vector<std::string> read_tables(const toml::table& root, RunConfig& config,
                                     const std::filesystem::path& base_dir) {
  const auto& file = config.file;
  std::vector<std::string_view> section_names;
  for (const auto& section : schema::sections()) section_names.push_back(section.name);

  std::vector<std::string> present;
  for (const auto& [name, node] : entries_in_file_order(root)) {
    const std::size_t line = ts::line_of(*node);
    const auto* section = schema::find_section(name);
    if (!node->is_table()) {
      if (section != nullptr) {
        throw FileFormatError(
            file, line,
            "\"" + name + "\" must be a table ([" + name + "]), not " + ts::describe_node(*node));
      }
      throw FileFormatError(file, line,
                            "unknown key \"" + name +
                                "\" at the top level (every key belongs to a table: " +
                                known_list(section_names) + ")");
    }
    if (section == nullptr) {
      throw FileFormatError(file, line,
                            "unknown table [" + name + "]" +
                                suggestion(name, section_names, "[", "]") + "; the tables are " +
                                known_list(section_names));
    }
    config.lines[name] = line;
    present.push_back(name);

    const auto key_names = section->key_names();
    for (const auto& [key, value] : entries_in_file_order(*node->as_table())) {
      const std::size_t key_line = ts::line_of(*value);
      const auto* spec = section->find(key);
      if (spec == nullptr) {
        throw FileFormatError(file, key_line,
                              "unknown key \"" + key + "\" in [" + name + "]" +
                                  suggestion(key, key_names, "\"", "\""));
      }
      const std::string full_key = name + "." + key;
      config.lines[full_key] = key_line;
      const schema::ReadContext context{
          .key = full_key, .base_dir = base_dir, .lines = &config.lines};
      try {
        spec->read(*value, config, context);
      } catch (const config_errors::LocatedError& error) {
        throw FileFormatError(file, error.line(), config_errors::to_config_keys(error.what()));
      } catch (const InputError& error) {
        throw FileFormatError(file, key_line, config_errors::to_config_keys(error.what()));
      }
    }
  }
  return present;
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void check_presence_and_usage(const toml::table& root, const RunConfig& config,
                              const std::vector<std::string>& present) {
  const auto& file = config.file;
  // Required tables and keys first: the usage rules depend on problem.name and algorithm.name.
  for (std::string_view required : {"run", "problem", "algorithm"}) {
    if (!contains(present, required)) {
      const auto* section = schema::find_section(required);
      std::string needed;
      for (const auto& key : section->keys) {
        if (key.required)
          needed += needed.empty() ? std::string(key.name) : ", " + std::string(key.name);
      }
      throw FileFormatError(
          file, 0, "missing table [" + std::string(required) + "] (it must set " + needed + ")");
    }
  }
  for (const auto& name : present) {
    const auto* section = schema::find_section(name);
    const auto* table = root.get(name)->as_table();
    for (const auto& key : section->keys) {
      if (key.required && !table->contains(key.name)) {
        throw FileFormatError(file, config.line_of(name),
                              "missing key \"" + std::string(key.name) + "\" in [" + name + "]");
      }
    }
  }
  for (const auto& name : present) {
    const auto* section = schema::find_section(name);
    if (const std::string reason = section->unused_reason(config); !reason.empty()) {
      throw FileFormatError(file, config.line_of(name), "[" + name + "] " + reason);
    }
    for (const auto& [key, value] : entries_in_file_order(*root.get(name)->as_table())) {
      const auto* spec = section->find(key);
      if (const std::string reason = spec->unused_reason(config); !reason.empty()) {
        throw FileFormatError(file, ts::line_of(*value), name + "." + key + " " + reason);
      }
    }
  }
  const auto algorithm = std::string(to_string(config.algorithm.kind));
  if (config.uses_topology() && !contains(present, "topology")) {
    throw FileFormatError(file, config.line_of("algorithm.name"),
                          "algorithm \"" + algorithm +
                              "\" needs a [topology] table (the communication graph, e.g. "
                              "kind = \"ring\")");
  }
  if (config.uses_grouping() && !contains(present, "grouping")) {
    throw FileFormatError(file, config.line_of("algorithm.name"),
                          "algorithm \"" + algorithm +
                              "\" needs a [grouping] table (e.g. scheme = \"random\", groups = 4)");
  }
}

void validate_problem(const RunConfig& config) {
  switch (config.problem.kind) {
    case ProblemKind::kQuadratic: diagonal_quadratic_options(config).validate("quadratic"); break;
    case ProblemKind::kNonconvexSeparable: nonconvex_separable_options(config).validate(); break;
    case ProblemKind::kLogisticNonconvex: config.problem.logistic.validate(); break;
    case ProblemKind::kMlp: mlp_options(config).validate(); break;
    case ProblemKind::kRobustRegression: config.problem.robust_regression.validate(); break;
  }
}

void validate_data(const RunConfig& config) {
  const auto& data = config.data;
  if (data.source == DataSource::kGaussianMixture) {
    data.gaussian_mixture.validate();
  } else {
    if (data.libsvm_file.empty()) {
      throw InputError("data.file must name a LIBSVM file when data.source is \"libsvm\"");
    }
    data.libsvm.validate();
  }
  partition_options(config).validate();
  data.feature_shift.validate();
  if (config.problem.kind == ProblemKind::kRobustRegression) data.regression_targets.validate();
}

void validate_topology(const RunConfig& config) {
  const auto& topology = config.topology;
  const bool from_file =
      config.algorithm.kind == AlgorithmKind::kDpsgd && topology.mixing_from_file();
  if (from_file) {
    if (topology.mixing_file.empty()) {
      throw InputError("topology.mixing_file must name a file when topology.mixing is \"file\"");
    }
    return;
  }
  topology_options(config).validate();
  if (config.algorithm.kind == AlgorithmKind::kDpsgd) parse_mixing_rule(topology.mixing);
}

void validate_grouping(const RunConfig& config) {
  const auto& grouping = config.grouping;
  const int n = config.run.workers;
  if (grouping.nested) {
    nested_grouping(n, grouping.cluster_sizes, false, nullptr);  // checks the sizes
  } else {
    const auto options = grouping_options(config);
    options.validate();
    const bool by_label = options.scheme == GroupingScheme::kLabelAligned ||
                          options.scheme == GroupingScheme::kLabelCovering;
    if (by_label && !config.uses_data()) {
      throw InputError("grouping.scheme (\"" + std::string(to_string(options.scheme)) +
                       "\") groups workers by their class labels, which only data-driven "
                       "problems have (problem.name is \"" +
                       std::string(to_string(config.problem.kind)) + "\")");
    }
    if (!by_label) make_grouping(options, n);  // checks the group count against n
  }
  const auto periods = config.algorithm.averaging_periods();
  const int levels = grouping.num_levels();
  if (static_cast<int>(periods.size()) == levels) return;
  const std::string level_text = std::to_string(levels) +
                                 " levels (one period per level, the last "
                                 "for all workers)";
  if (!config.algorithm.level_periods.empty()) {
    throw InputError("algorithm.level_periods has " + std::to_string(periods.size()) +
                     " periods but the grouping has " + level_text);
  }
  throw InputError("grouping.cluster_sizes (" +
                   ts::toml_integer_array(std::span<const int>(grouping.cluster_sizes)) +
                   ") gives " + level_text +
                   ", but algorithm.local_period and algorithm.global_period give 2 periods; set "
                   "algorithm.level_periods instead");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names.

std::string_view to_string(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kQuadratic: return "quadratic";
    case ProblemKind::kNonconvexSeparable: return "nonconvex_separable";
    case ProblemKind::kLogisticNonconvex: return "logistic_nonconvex";
    case ProblemKind::kMlp: return "mlp";
    case ProblemKind::kRobustRegression: return "robust_regression";
  }
  return "unknown";
}

ProblemKind parse_problem_kind(std::string_view name, std::string_view field) {
  std::vector<std::string_view> names;
  for (auto kind : kProblemKinds) {
    if (to_string(kind) == name) return kind;
    names.push_back(to_string(kind));
  }
  std::string rule = "is not a known problem (" + known_list(names) + ")";
  if (const auto match = ts::closest_match(name, names))
    rule += " (did you mean \"" + *match + "\"?)";
  throw invalid_option(field, name, rule);
}

bool is_data_driven(ProblemKind kind) {
  return kind == ProblemKind::kLogisticNonconvex || kind == ProblemKind::kMlp ||
         kind == ProblemKind::kRobustRegression;
}

std::string_view to_string(DataSource source) {
  return source == DataSource::kGaussianMixture ? "gaussian_mixture" : "libsvm";
}

DataSource parse_data_source(std::string_view name, std::string_view field) {
  if (name == "gaussian_mixture") return DataSource::kGaussianMixture;
  if (name == "libsvm") return DataSource::kLibsvm;
  throw invalid_option(field, name, "must be one of gaussian_mixture, libsvm");
}

// ---------------------------------------------------------------------------------------------
// RunConfig.

bool RunConfig::uses_topology() const {
  return algorithm.kind == AlgorithmKind::kDpsgd || algorithm.kind == AlgorithmKind::kAdpsgd;
}

std::size_t RunConfig::line_of(std::string_view key) const {
  std::string current(key);
  while (!current.empty()) {
    if (const auto it = lines.find(current); it != lines.end()) return it->second;
    const std::size_t cut = current.find_last_of(".[");
    if (cut == std::string::npos) break;
    current.resize(cut);
  }
  return 0;
}

bool operator==(const RunConfig& a, const RunConfig& b) {
  for (const auto& section : config_schema::sections()) {
    for (const auto& key : section.keys) {
      if (key.format(a) != key.format(b)) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Component options.

DiagonalQuadraticOptions diagonal_quadratic_options(const RunConfig& config) {
  DiagonalQuadraticOptions options = config.problem.diagonal;
  options.num_workers = config.run.workers;
  options.seed = config.run.seed;
  return options;
}

NonconvexSeparableOptions nonconvex_separable_options(const RunConfig& config) {
  return {.instance = diagonal_quadratic_options(config),
          .cosine_weight = config.problem.cosine_weight};
}

MlpOptions mlp_options(const RunConfig& config) {
  MlpOptions options = config.problem.mlp;
  options.init_seed = config.run.seed;
  return options;
}

PartitionOptions partition_options(const RunConfig& config) {
  PartitionOptions options = config.data.partition;
  options.num_workers = config.run.workers;
  return options;
}

TopologyOptions topology_options(const RunConfig& config) {
  TopologyOptions options = config.topology.graph;
  options.num_workers = config.run.workers;
  options.seed = config.run.seed;
  return options;
}

GroupingOptions grouping_options(const RunConfig& config) {
  GroupingOptions options = config.grouping.two_level;
  options.seed = config.run.seed;
  return options;
}

RunOptions run_options(const RunConfig& config) {
  return {.iterations = config.run.iterations,
          .max_virtual_time_s = config.run.max_virtual_time_s,
          .seed = config.run.seed,
          .run_index = 0,
          .probe = config.probe};
}

// ---------------------------------------------------------------------------------------------
// Parsing and validation.

RunConfig parse_run_config(const std::filesystem::path& file) {
  return parse_run_config_text(read_file(file), file);
}

RunConfig parse_run_config_text(std::string_view text, const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    throw FileFormatError(file, static_cast<std::size_t>(error.source().begin.line),
                          "TOML syntax error: " + std::string(error.description()));
  }
  if (const auto* suite = root.get("suite")) {
    throw FileFormatError(file, ts::line_of(*suite),
                          "this file is a suite ([suite] table): run it with `dsgdlab run "
                          "SUITE --out DIR`, not as one configuration");
  }
  return parse_run_config_table(root, file);
}

RunConfig read_run_config_tables(const toml::table& root, const std::filesystem::path& file) {
  RunConfig config;
  config.file = file;
  const std::filesystem::path base_dir = std::filesystem::absolute(
      file.has_parent_path() ? file.parent_path() : std::filesystem::path("."));
  read_tables(root, config, base_dir);
  return config;
}

RunConfig parse_run_config_table(const toml::table& root, const std::filesystem::path& file) {
  RunConfig config;
  config.file = file;
  const std::filesystem::path base_dir = std::filesystem::absolute(
      file.has_parent_path() ? file.parent_path() : std::filesystem::path("."));
  const auto present = read_tables(root, config, base_dir);
  check_presence_and_usage(root, config, present);
  validate_run_config(config);
  return config;
}

void validate_run_config(const RunConfig& config) {
  const auto& run = config.run;
  if (run.workers < 1)
    throw_at(config, "run.workers",
             "run.workers (" + std::to_string(run.workers) + ") must be at least 1");
  const auto engines =
      std::vector<std::string_view>(std::begin(kEngineNames), std::end(kEngineNames));
  if (std::find(engines.begin(), engines.end(), run.engine) == engines.end()) {
    throw_at(config, "run.engine",
             "run.engine (\"" + run.engine + "\") must be one of " + known_list(engines));
  }
  if (run.engine == "mpi" && !mpi_engine_available()) {
    throw_at(config, "run.engine",
             "run.engine (\"mpi\"): this dsgdlab was built without MPI (run scripts/setup, which "
             "installs Open MPI, and rebuild; or choose \"sim\" or \"threads\")");
  }
  with_context(config, "run", [&] { run_options(config).validate(); });
  with_context(config, "problem", [&] { validate_problem(config); });
  if (config.uses_data()) with_context(config, "data", [&] { validate_data(config); });
  with_context(config, "algorithm", [&] { config.algorithm.validate(); });
  if (config.algorithm.kind == AlgorithmKind::kSgd && run.workers != 1) {
    throw_at(config, "run.workers",
             "run.workers (" + std::to_string(run.workers) +
                 ") must be 1 for algorithm \"sgd\"; use allreduce_sgd or local_sgd for n > 1");
  }
  if (config.uses_topology()) with_context(config, "topology", [&] { validate_topology(config); });
  if (config.uses_grouping()) {
    with_context(config, "grouping", [&] { validate_grouping(config); });
  }
  with_context(config, "cost", [&] { config.cost.validate(run.workers); });
  with_context(config, "estimators", [&] { config.estimators.validate(); });
}

// ---------------------------------------------------------------------------------------------
// config.toml.

std::string resolved_config_toml(const RunConfig& config) {
  std::string text;
  text += "# Resolved run configuration written by dsgdlab ";
  text += kVersion;
  text += ": every table and key this run uses, with\n";
  text += "# its effective value. `dsgdlab run` on this file reproduces the run exactly.\n";
  for (const auto& section : config_schema::sections()) {
    if (!section.unused_reason(config).empty()) continue;
    text += "\n[";
    text += section.name;
    text += "]\n";
    for (const auto& key : section.keys) {
      if (!key.unused_reason(config).empty()) continue;
      if (key.omit && key.omit(config)) continue;
      text += key.name;
      text += " = ";
      text += key.format(config);
      text += '\n';
    }
  }
  return text;
}

}  // namespace dsgdlab
