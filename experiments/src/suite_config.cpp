#include "dsgdlab/experiments/suite_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "run_config_internal.hpp"
#include "run_config_schema.hpp"
#include "toml_support.hpp"

namespace dsgdlab {
namespace {

namespace ts = toml_support;
namespace schema = config_schema;
using nlohmann::json;

toml::table parse_toml(std::string_view text, const std::filesystem::path& file) {
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& error) {
    throw FileFormatError(file, static_cast<std::size_t>(error.source().begin.line),
                          "TOML syntax error: " + std::string(error.description()));
  }
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

/// Throws for a key of `table` that is not in `allowed`, naming the table and suggesting the
/// closest allowed key.
void check_keys(const toml::table& table, const std::vector<std::string>& allowed,
                const std::string& where, const std::filesystem::path& file) {
  for (auto&& [key, node] : table) {
    const std::string name(key.str());
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::vector<std::string_view> views(allowed.begin(), allowed.end());
    const auto match = ts::closest_match(name, views);
    throw FileFormatError(file, ts::line_of(node),
                          "unknown key \"" + name + "\" in " + where +
                              (match ? " (did you mean \"" + std::string(*match) + "\"?)" : "") +
                              "; the keys are " + joined(allowed));
  }
}

const toml::table* table_at(const toml::table& parent, std::string_view key,
                            const std::string& where, const std::filesystem::path& file) {
  const toml::node* node = parent.get(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    throw FileFormatError(file, ts::line_of(*node),
                          where + " must be a table, not " + ts::describe_node(*node));
  }
  return node->as_table();
}

json to_json(const toml::node& node) {
  if (const auto* value = node.as_integer()) return value->get();
  if (const auto* value = node.as_floating_point()) return value->get();
  if (const auto* value = node.as_boolean()) return value->get();
  if (const auto* value = node.as_string()) return value->get();
  if (const auto* array = node.as_array()) {
    json list = json::array();
    for (const auto& element : *array) list.push_back(to_json(element));
    return list;
  }
  if (const auto* table = node.as_table()) {
    json object = json::object();
    for (auto&& [key, element] : *table) object[std::string(key.str())] = to_json(element);
    return object;
  }
  return ts::describe_node(node);  // dates and times: not used by run configurations
}

/// "table.key" names of every key of a run-configuration-shaped table.
void flatten(const toml::table& table, const std::string& prefix, json& out) {
  for (auto&& [key, node] : table) {
    const std::string name =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (node.is_table()) {
      flatten(*node.as_table(), name, out);
    } else {
      out[name] = to_json(node);
    }
  }
}

void collect_names(const toml::table& table, const std::string& prefix,
                   std::set<std::string>& names) {
  for (auto&& [key, node] : table) {
    const std::string name =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    names.insert(name);
    if (node.is_table()) collect_names(*node.as_table(), name, names);
  }
}

/// Moves every entry of `from` into `into`: tables merge key by key, other values replace.
/// Moving (not copying) keeps each node's source line for error messages.
void merge_into(toml::table& into, toml::table& from) {
  for (auto&& [key, node] : from) {
    toml::node* existing = into.get(key);
    if (node.is_table() && existing != nullptr && existing->is_table()) {
      merge_into(*existing->as_table(), *node.as_table());
    } else {
      into.insert_or_assign(key, std::move(node));
    }
  }
}

std::vector<std::string> split_path(std::string_view dotted) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', start);
    parts.emplace_back(dotted.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

/// root[a][b]…[z] = value (moved), creating tables on the way.
void set_path(toml::table& root, const std::string& dotted, toml::node& value,
              const std::filesystem::path& file, std::size_t line) {
  const std::vector<std::string> parts = split_path(dotted);
  if (parts.size() < 2 || std::any_of(parts.begin(), parts.end(),
                                      [](const std::string& part) { return part.empty(); })) {
    throw FileFormatError(file, line,
                          "sweep axis \"" + dotted +
                              "\" must name a configuration key as \"table.key\" (say "
                              "\"algorithm.step_size\")");
  }
  toml::table* table = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* child = table->get(parts[i]);
    if (child == nullptr) {
      table->insert(parts[i], toml::table{});
      child = table->get(parts[i]);
    }
    if (!child->is_table()) {
      throw FileFormatError(file, line,
                            "sweep axis \"" + dotted + "\": \"" + parts[i] + "\" is not a table");
    }
    table = child->as_table();
  }
  table->insert_or_assign(parts.back(), std::move(value));
}

// ---------------------------------------------------------------------------------------------
// Claims

const std::map<std::string, std::vector<std::string>>& claim_keys() {
  static const std::map<std::string, std::vector<std::string>> keys{
      {"rate", {"where", "x", "expected", "tolerance"}},
      {"linear_speedup", {"where", "x", "metric", "target", "time", "expected", "tolerance"}},
      {"bound_holds", {"where", "bound", "require_conditions"}},
      {"heterogeneity_robustness",
       {"where", "robust", "synchronous", "axis", "metric", "target", "time", "max_robust_ratio",
        "min_sync_fraction"}},
      {"sandwich", {"inner", "hierarchical", "outer", "hierarchical_bound"}},
      {"exactness", {"checks", "tolerance"}},
  };
  return keys;
}

SuiteClaim parse_claim(const toml::table& table, const std::filesystem::path& file,
                       std::size_t index) {
  const std::string where = "[[claim]] " + std::to_string(index + 1);
  const std::size_t line = ts::line_of(table);
  SuiteClaim claim;
  claim.line = line;
  const toml::node* name = table.get("name");
  const toml::node* verdict = table.get("verdict");
  if (name == nullptr || verdict == nullptr) {
    throw FileFormatError(file, line, where + " must set \"name\" and \"verdict\"");
  }
  claim.name = ts::read_string(*name, "claim.name");
  claim.verdict = ts::read_string(*verdict, "claim.verdict");
  const auto& verdicts = claim_keys();
  const auto found = verdicts.find(claim.verdict);
  if (found == verdicts.end()) {
    throw FileFormatError(file, ts::line_of(*verdict),
                          "claim.verdict (\"" + claim.verdict + "\") must be one of " +
                              joined(claim_verdict_names()));
  }
  std::vector<std::string> allowed{"name", "verdict", "description"};
  allowed.insert(allowed.end(), found->second.begin(), found->second.end());
  check_keys(table, allowed, where + " (verdict \"" + claim.verdict + "\")", file);
  for (auto&& [key, node] : table) {
    const std::string name_of_key(key.str());
    if (name_of_key == "name" || name_of_key == "verdict") continue;
    claim.params[name_of_key] = to_json(node);
  }
  return claim;
}

// ---------------------------------------------------------------------------------------------
// Expansion

struct Axis {
  std::string key;
  /// "sweep" or "suite.quick.sweep": where its values are in a fresh parse.
  bool from_quick = false;
  std::size_t size = 0;
  std::size_t line = 0;
};

/// The tables of one run point of a fresh parse, moved into a run-configuration table.
struct AssembledPoint {
  toml::table root;
  json point = json::object();
  std::string label;
  /// Keys and tables that came only from [defaults] (and [suite.quick.defaults]): a point may
  /// leave them unused (a [topology] shared by the gossip runs of an algorithm sweep).
  std::set<std::string> droppable;
  bool sets_seed = false;
};

AssembledPoint assemble_point(std::string_view text, const std::filesystem::path& file, bool quick,
                              const std::vector<Axis>& axes, std::size_t entry,
                              const std::vector<std::size_t>& choice) {
  toml::table fresh = parse_toml(text, file);
  AssembledPoint assembled;
  std::set<std::string> from_defaults;
  if (toml::node* defaults = fresh.get("defaults")) {
    collect_names(*defaults->as_table(), "", from_defaults);
    merge_into(assembled.root, *defaults->as_table());
  }
  if (quick) {
    if (toml::node* quick_defaults = fresh.at_path("suite.quick.defaults").node()) {
      collect_names(*quick_defaults->as_table(), "", from_defaults);
      merge_into(assembled.root, *quick_defaults->as_table());
    }
  }
  std::set<std::string> overridden;
  toml::array* entries = fresh.get_as<toml::array>("run");
  if (toml::node* quick_runs = fresh.at_path("suite.quick.run").node(); quick && quick_runs) {
    entries = quick_runs->as_array();
  }
  if (entries != nullptr) {
    toml::table& run_entry = *(*entries)[entry].as_table();
    if (const toml::node* label = run_entry.get("label")) {
      assembled.label = ts::read_string(*label, "run.label");
      run_entry.erase("label");
    }
    flatten(run_entry, "", assembled.point);
    collect_names(run_entry, "", overridden);
    merge_into(assembled.root, run_entry);
  }
  for (std::size_t a = 0; a < axes.size(); ++a) {
    const Axis& axis = axes[a];
    toml::array& values = *fresh.at_path(axis.from_quick ? "suite.quick.sweep" : "sweep")
                               .as_table()
                               ->get_as<toml::array>(axis.key);
    toml::node& value = values[choice[a]];
    assembled.point[axis.key] = to_json(value);
    overridden.insert(axis.key);
    set_path(assembled.root, axis.key, value, file, axis.line);
  }
  for (const std::string& name : from_defaults) {
    if (!overridden.contains(name)) assembled.droppable.insert(name);
  }
  assembled.sets_seed = assembled.root.at_path("run.seed").node() != nullptr;
  return assembled;
}

/// Erases the droppable [defaults] tables and keys that the point's configuration does not use.
void drop_unused_defaults(AssembledPoint& assembled, const std::filesystem::path& file) {
  const RunConfig lenient = read_run_config_tables(assembled.root, file);
  for (const auto& section : schema::sections()) {
    const std::string name(section.name);
    toml::table* table = assembled.root.get_as<toml::table>(name);
    if (table == nullptr) continue;
    if (!section.unused_reason(lenient).empty()) {
      // The whole table is unused: drop it only when nothing in it came from the point itself.
      bool all_droppable = assembled.droppable.contains(name);
      for (auto&& [key, node] : *table) {
        all_droppable =
            all_droppable && assembled.droppable.contains(name + "." + std::string(key.str()));
      }
      if (all_droppable) assembled.root.erase(name);
      continue;
    }
    std::vector<std::string> unused;
    for (auto&& [key, node] : *table) {
      const std::string full = name + "." + std::string(key.str());
      const auto* spec = section.find(key.str());
      if (spec != nullptr && assembled.droppable.contains(full) &&
          !spec->unused_reason(lenient).empty()) {
        unused.emplace_back(key.str());
      }
    }
    for (const std::string& key : unused) table->erase(key);
  }
}

}  // namespace

const std::vector<std::string>& claim_verdict_names() {
  static const std::vector<std::string> names{
      "rate", "linear_speedup", "bound_holds", "heterogeneity_robustness", "sandwich", "exactness"};
  return names;
}

bool is_suite_file(const std::filesystem::path& file) {
  try {
    const toml::table root = toml::parse(read_file(file), file.string());
    return root.contains("suite");
  } catch (const std::exception&) {
    return false;
  }
}

std::int64_t derive_suite_seed(std::int64_t base_seed, int replicate) {
  // SplitMix64 finaliser of the pair, as random.cpp derives stream keys.
  std::uint64_t z = static_cast<std::uint64_t>(base_seed) * 0x9E3779B97F4A7C15ULL +
                    static_cast<std::uint64_t>(replicate) + 0x632BE59BD9B4E019ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<std::int64_t>(z >> 12);  // 52 bits
}

std::string hash_hex(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i) {
    hex[static_cast<std::size_t>(i)] = kDigits[hash & 0xF];
    hash >>= 4;
  }
  return hex;
}

SuiteConfig parse_suite(const std::filesystem::path& file, const SuiteParseOptions& options) {
  return parse_suite_text(read_file(file), file, options);
}

SuiteConfig parse_suite_text(std::string_view text, const std::filesystem::path& file,
                             const SuiteParseOptions& options) {
  if (options.engine && std::find(std::begin(kEngineNames), std::end(kEngineNames),
                                  *options.engine) == std::end(kEngineNames)) {
    throw invalid_option("--engine", *options.engine, "must be sim, threads or mpi");
  }
  const toml::table root = parse_toml(text, file);
  check_keys(root, {"suite", "defaults", "run", "sweep", "claim"}, "the suite file", file);
  const toml::table* suite = table_at(root, "suite", "[suite]", file);
  if (suite == nullptr) throw FileFormatError(file, 0, "a suite file needs a [suite] table");
  check_keys(*suite, {"name", "description", "seed", "seeds", "quick"}, "[suite]", file);

  SuiteConfig config;
  config.file = file;
  config.quick = options.quick;
  config.engine = options.engine;
  const toml::node* name = suite->get("name");
  if (name == nullptr) throw FileFormatError(file, ts::line_of(*suite), "[suite] must set name");
  config.name = ts::read_string(*name, "suite.name");
  if (config.name.empty() || !std::all_of(config.name.begin(), config.name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      })) {
    throw FileFormatError(file, ts::line_of(*name),
                          "suite.name (\"" + config.name +
                              "\") must be lower-case letters, digits and _ (it names the "
                              "results and the baseline)");
  }
  if (const auto* description = suite->get("description")) {
    config.description = ts::read_string(*description, "suite.description");
  }
  if (const auto* seed = suite->get("seed")) {
    config.seed = ts::read_integer(*seed, "suite.seed");
    if (config.seed < 0) {
      throw FileFormatError(file, ts::line_of(*seed),
                            "suite.seed (" + std::to_string(config.seed) + ") must be >= 0");
    }
  }
  const auto read_seeds = [&](const toml::node& node, const std::string& key) {
    const int seeds = ts::read_int(node, key);
    if (seeds < 1 || seeds > 1000) {
      throw FileFormatError(file, ts::line_of(node),
                            key + " (" + std::to_string(seeds) + ") must be in [1, 1000]");
    }
    return seeds;
  };
  if (const auto* seeds = suite->get("seeds")) config.seeds = read_seeds(*seeds, "suite.seeds");

  const toml::table* quick = table_at(*suite, "quick", "[suite.quick]", file);
  if (quick != nullptr) {
    check_keys(*quick, {"seeds", "defaults", "run", "sweep"}, "[suite.quick]", file);
    table_at(*quick, "defaults", "[suite.quick.defaults]", file);
  }
  if (options.quick && quick != nullptr) {
    if (const auto* seeds = quick->get("seeds")) {
      config.seeds = read_seeds(*seeds, "suite.quick.seeds");
    }
  }
  const toml::table* defaults = table_at(root, "defaults", "[defaults]", file);
  const auto run_entries = [&](const toml::node* runs, const char* what) -> const toml::array* {
    if (runs == nullptr) return nullptr;
    const toml::array* list = runs->as_array();
    if (list == nullptr || !list->is_array_of_tables() || list->empty()) {
      throw FileFormatError(file, ts::line_of(*runs),
                            std::string(what) + " must be an array of tables");
    }
    return list;
  };
  const toml::array* entries = run_entries(root.get("run"), "\"run\" ([[run]] entries)");
  // [[suite.quick.run]] replaces the [[run]] entries with --quick.
  const toml::array* quick_entries =
      quick != nullptr ? run_entries(quick->get("run"), "[[suite.quick.run]]") : nullptr;
  if (options.quick && quick_entries != nullptr) entries = quick_entries;
  if (defaults == nullptr && entries == nullptr) {
    throw FileFormatError(file, ts::line_of(*suite),
                          "a suite needs a [defaults] run configuration or [[run]] entries");
  }

  // Sweep axes, in file order; --quick replaces the values of same-named axes.
  std::vector<Axis> axes;
  const toml::table* sweep = table_at(root, "sweep", "[sweep]", file);
  const toml::table* quick_sweep =
      quick != nullptr ? table_at(*quick, "sweep", "[suite.quick.sweep]", file) : nullptr;
  const auto axis_size = [&](const toml::node& node, const std::string& key) {
    const toml::array* values = node.as_array();
    if (values == nullptr || values->empty()) {
      throw FileFormatError(file, ts::line_of(node),
                            "sweep axis \"" + key + "\" must be a non-empty array of values");
    }
    return values->size();
  };
  if (sweep != nullptr) {
    for (auto&& [key, node] : *sweep) {
      Axis axis{.key = std::string(key.str()),
                .size = axis_size(node, std::string(key.str())),
                .line = ts::line_of(node)};
      if (options.quick && quick_sweep != nullptr) {
        if (const toml::node* replacement = quick_sweep->get(key)) {
          axis.from_quick = true;
          axis.size = axis_size(*replacement, axis.key);
          axis.line = ts::line_of(*replacement);
        }
      }
      axes.push_back(std::move(axis));
    }
    std::stable_sort(axes.begin(), axes.end(), [&](const Axis& a, const Axis& b) {
      return ts::line_of(*sweep->get(a.key)) < ts::line_of(*sweep->get(b.key));
    });
  }
  if (quick_sweep != nullptr) {
    for (auto&& [key, node] : *quick_sweep) {
      if (sweep == nullptr || !sweep->contains(key)) {
        throw FileFormatError(file, ts::line_of(node),
                              "[suite.quick.sweep] axis \"" + std::string(key.str()) +
                                  "\" is not an axis of [sweep] (quick sizes replace axes)");
      }
    }
  }

  // Claims.
  if (const toml::node* claims = root.get("claim")) {
    const toml::array* list = claims->as_array();
    if (list == nullptr || !list->is_array_of_tables()) {
      throw FileFormatError(file, ts::line_of(*claims),
                            "\"claim\" must be an array of tables ([[claim]] entries)");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
      SuiteClaim claim = parse_claim(*(*list)[i].as_table(), file, i);
      if (!names.insert(claim.name).second) {
        throw FileFormatError(file, claim.line,
                              "claim.name (\"" + claim.name + "\") is used twice in this suite");
      }
      config.claims.push_back(std::move(claim));
    }
  }

  // Run points: entries × axes (last axis fastest), each replicated.
  const std::size_t num_entries = entries != nullptr ? entries->size() : 1;
  std::size_t num_choices = 1;
  for (const Axis& axis : axes) num_choices *= axis.size;
  if (num_entries * num_choices * static_cast<std::size_t>(config.seeds) > 100'000) {
    throw FileFormatError(file, ts::line_of(*suite),
                          "the suite expands to more than 100000 runs; split it");
  }
  int point_index = 0;
  for (std::size_t entry = 0; entry < num_entries; ++entry) {
    for (std::size_t c = 0; c < num_choices; ++c) {
      std::vector<std::size_t> choice(axes.size());
      std::size_t rest = c;
      for (std::size_t a = axes.size(); a-- > 0;) {
        choice[a] = rest % axes[a].size;
        rest /= axes[a].size;
      }
      AssembledPoint assembled = assemble_point(text, file, options.quick, axes, entry, choice);
      drop_unused_defaults(assembled, file);
      RunConfig base = parse_run_config_table(assembled.root, file);
      if (options.engine) {
        base.run.engine = *options.engine;
        validate_run_config(base);
      }
      for (int replicate = 0; replicate < config.seeds; ++replicate) {
        SuiteRun run;
        run.label = assembled.label;
        run.point = assembled.point;
        run.point_index = point_index;
        run.replicate = replicate;
        run.config = base;
        if (!assembled.sets_seed) {
          run.config.run.seed =
              static_cast<std::uint64_t>(derive_suite_seed(config.seed, replicate));
        }
        run.id = hash_hex(resolved_config_toml(run.config));
        config.runs.push_back(std::move(run));
      }
      ++point_index;
    }
  }
  return config;
}

}  // namespace dsgdlab
