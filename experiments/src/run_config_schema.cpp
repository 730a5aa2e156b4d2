#include "run_config_schema.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

#include "config_errors.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "toml_support.hpp"

namespace dsgdlab::config_schema {
namespace {

namespace ts = toml_support;
using config_errors::LocatedError;

static_assert(std::is_same_v<Index, std::int64_t>, "Index is read as a 64-bit TOML integer");

// ---------------------------------------------------------------------------------------------
// Values: TOML node → field, field → TOML text.

std::filesystem::path resolve_path(const toml::node& node, const ReadContext& context) {
  const std::string text = ts::read_string(node, context.key);
  if (text.empty()) throw invalid_option(context.key, text, "must name a file");
  const std::filesystem::path path(text);
  if (path.is_absolute()) return path.lexically_normal();
  return std::filesystem::absolute(context.base_dir / path).lexically_normal();
}

template <typename T>
T decode(const toml::node& node, const ReadContext& context) {
  const std::string& key = context.key;
  if constexpr (std::is_same_v<T, int>) {
    return ts::read_int(node, key);
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return ts::read_integer(node, key);
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    return ts::read_unsigned(node, key);
  } else if constexpr (std::is_same_v<T, double>) {
    return ts::read_number(node, key);
  } else if constexpr (std::is_same_v<T, bool>) {
    return ts::read_bool(node, key);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return ts::read_string(node, key);
  } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
    return resolve_path(node, context);
  } else if constexpr (std::is_same_v<T, std::vector<int>>) {
    return ts::read_int_array(node, key);
  } else {
    static_assert(std::is_same_v<T, std::vector<std::int64_t>>, "no reader for this field type");
    return ts::read_integer_array(node, key);
  }
}

template <typename T>
std::string encode(const T& value) {
  if constexpr (std::is_same_v<T, double>) {
    return ts::toml_double(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    return std::to_string(value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return ts::toml_string(value);
  } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
    return ts::toml_string(value.string());
  } else {
    return ts::toml_integer_array(std::span(value));
  }
}

// ---------------------------------------------------------------------------------------------
// Usage rules.

UsageRule always() {
  return [](const RunConfig&) { return std::string(); };
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += '"' + names[i] + '"';
  }
  return text;
}

// "is only used when KEY is "a" or "b" (here "c")".
UsageRule only_when(std::string key, std::function<std::string(const RunConfig&)> current,
                    std::vector<std::string> allowed) {
  return [key = std::move(key), current = std::move(current),
          allowed = std::move(allowed)](const RunConfig& config) -> std::string {
    const std::string value = current(config);
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return {};
    return "is only used when " + key + " is " + quoted_list(allowed) + " (here \"" + value + "\")";
  };
}

template <typename Enum>
std::vector<std::string> names_of(std::initializer_list<Enum> values) {
  std::vector<std::string> names;
  for (auto value : values) names.emplace_back(to_string(value));
  return names;
}

UsageRule for_problems(std::initializer_list<ProblemKind> kinds) {
  return only_when(
      "problem.name", [](const RunConfig& c) { return std::string(to_string(c.problem.kind)); },
      names_of(kinds));
}

UsageRule for_algorithms(std::initializer_list<AlgorithmKind> kinds) {
  return only_when(
      "algorithm.name", [](const RunConfig& c) { return std::string(to_string(c.algorithm.kind)); },
      names_of(kinds));
}

UsageRule for_source(DataSource source) {
  return only_when(
      "data.source", [](const RunConfig& c) { return std::string(to_string(c.data.source)); },
      names_of({source}));
}

UsageRule for_partition(PartitionScheme scheme) {
  return only_when(
      "data.partition",
      [](const RunConfig& c) { return std::string(to_string(c.data.partition.scheme)); },
      names_of({scheme}));
}

UsageRule for_schedules(std::initializer_list<StepScheduleKind> kinds) {
  return only_when(
      "algorithm.schedule",
      [](const RunConfig& c) { return std::string(to_string(c.algorithm.step.kind)); },
      names_of(kinds));
}

UsageRule for_distribution(ComputeTimeDistribution distribution) {
  return only_when(
      "cost.compute_distribution",
      [](const RunConfig& c) { return std::string(to_string(c.cost.compute_distribution)); },
      names_of({distribution}));
}

UsageRule for_grouping(bool nested) {
  return [nested](const RunConfig& c) -> std::string {
    if (c.grouping.nested == nested) return {};
    return nested ? "is only used when grouping.scheme is \"nested\""
                  : "is not used when grouping.scheme is \"nested\" (use grouping.cluster_sizes)";
  };
}

bool mixing_from_file(const RunConfig& c) {
  return c.algorithm.kind == AlgorithmKind::kDpsgd && c.topology.mixing_from_file();
}

// The graph keys: unused when dpsgd reads its matrix from a file (the graph is its support).
UsageRule for_generated_graph(std::vector<std::string> kinds) {
  auto kind_rule =
      kinds.empty() ? always()
                    : only_when(
                          "topology.kind", [](const RunConfig& c) { return c.topology.graph.kind; },
                          std::move(kinds));
  return [kind_rule = std::move(kind_rule)](const RunConfig& c) -> std::string {
    if (mixing_from_file(c)) {
      return "is not used when topology.mixing is \"file\" (the graph is the support of the "
             "matrix)";
    }
    return kind_rule(c);
  };
}

UsageRule both(UsageRule first, UsageRule second) {
  return [first = std::move(first), second = std::move(second)](const RunConfig& c) {
    std::string reason = first(c);
    return reason.empty() ? second(c) : reason;
  };
}

// ---------------------------------------------------------------------------------------------
// Key factories. `access` is a generic lambda [](auto& c) -> auto& { return c.x.y; } that
// serves both the reader (RunConfig&) and the writer (const RunConfig&).

template <typename Access>
KeySpec field(std::string_view name, Access access, UsageRule usage = always(),
              bool required = false) {
  using T = std::remove_cvref_t<decltype(access(std::declval<RunConfig&>()))>;
  KeySpec spec;
  spec.name = name;
  spec.required = required;
  spec.read = [access](const toml::node& node, RunConfig& c, const ReadContext& context) {
    access(c) = decode<T>(node, context);
  };
  spec.format = [access](const RunConfig& c) { return encode<T>(access(c)); };
  spec.unused_reason = std::move(usage);
  return spec;
}

// An enumeration written as its name: parse(name, key) and to_string(value).
template <typename Access, typename Parse>
KeySpec enum_field(std::string_view name, Access access, Parse parse, UsageRule usage = always(),
                   bool required = false) {
  KeySpec spec;
  spec.name = name;
  spec.required = required;
  spec.read = [access, parse](const toml::node& node, RunConfig& c, const ReadContext& context) {
    access(c) = parse(ts::read_string(node, context.key), context.key);
  };
  spec.format = [access](const RunConfig& c) {
    return ts::toml_string(std::string(to_string(access(c))));
  };
  spec.unused_reason = std::move(usage);
  return spec;
}

// A string from a fixed list of names, with a suggestion for a near miss.
std::string checked_name(const std::string& value, const std::string& key,
                         const std::vector<std::string_view>& names) {
  if (std::find(names.begin(), names.end(), value) != names.end()) return value;
  std::string valid;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) valid += ", ";
    valid += names[i];
  }
  std::string rule = "must be one of " + valid;
  if (const auto match = ts::closest_match(value, names))
    rule += " (did you mean \"" + *match + "\"?)";
  throw invalid_option(key, value, rule);
}

// ---------------------------------------------------------------------------------------------
// Arrays of small tables (cost.slow_workers, cost.slow_links).

struct Member {
  std::string_view name;
  bool required;
};

// Calls visit(element table, element key "cost.slow_workers[0]") for every element, after
// checking that it is a table whose keys are all known and required keys present. Records the
// lines of elements and members.
template <typename Visit>
void for_each_element(const toml::node& node, const ReadContext& context,
                      const std::vector<Member>& members, std::string_view example, Visit visit) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    throw InputError(context.key + " (" + ts::describe_node(node) +
                     ") must be an array of tables such as " + std::string(example));
  }
  std::vector<std::string_view> names;
  for (const auto& member : members) names.push_back(member.name);
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string element_key = context.key + "[" + std::to_string(i) + "]";
    const std::size_t element_line = ts::line_of(element);
    if (context.lines != nullptr) (*context.lines)[element_key] = element_line;
    const auto* table = element.as_table();
    if (table == nullptr) {
      throw LocatedError(element_line, element_key + " (" + ts::describe_node(element) +
                                           ") must be a table such as " + std::string(example));
    }
    for (auto&& [member_key, value] : *table) {
      const std::string member_name(member_key.str());
      const std::size_t line = ts::line_of(value);
      if (context.lines != nullptr) (*context.lines)[element_key + "." + member_name] = line;
      if (std::find(names.begin(), names.end(), member_name) == names.end()) {
        std::string message = "unknown key \"" + member_name + "\" in " + element_key;
        if (const auto match = ts::closest_match(member_name, names)) {
          message += " (did you mean \"" + *match + "\"?)";
        }
        throw LocatedError(line, message);
      }
    }
    for (const auto& member : members) {
      if (member.required && !table->contains(member.name)) {
        throw LocatedError(element_line, element_key + " has no key \"" + std::string(member.name) +
                                             "\" (" + std::string(example) + ")");
      }
    }
    visit(*table, element_key);
  }
}

template <typename T>
T member_value(const toml::table& table, std::string_view name, const std::string& element_key,
               T fallback) {
  const toml::node* node = table.get(name);
  if (node == nullptr) return fallback;
  const std::string key = element_key + "." + std::string(name);
  try {
    if constexpr (std::is_same_v<T, int>) {
      return ts::read_int(*node, key);
    } else {
      return ts::read_number(*node, key);
    }
  } catch (const LocatedError&) {
    throw;
  } catch (const InputError& error) {
    throw LocatedError(ts::line_of(*node), error.what());
  }
}

KeySpec slow_workers_key() {
  constexpr std::string_view kExample = "{ worker = 3, factor = 10.0 }";
  KeySpec spec;
  spec.name = "slow_workers";
  spec.read = [](const toml::node& node, RunConfig& c, const ReadContext& context) {
    std::vector<WorkerSlowdown> slowdowns;
    for_each_element(node, context, {{"worker", true}, {"factor", true}}, kExample,
                     [&](const toml::table& table, const std::string& key) {
                       slowdowns.push_back({.worker = member_value(table, "worker", key, 0),
                                            .factor = member_value(table, "factor", key, 1.0)});
                     });
    c.cost.slow_workers = std::move(slowdowns);
  };
  spec.format = [](const RunConfig& c) {
    std::string text = "[";
    for (std::size_t i = 0; i < c.cost.slow_workers.size(); ++i) {
      const auto& slow = c.cost.slow_workers[i];
      if (i > 0) text += ", ";
      text += "{ worker = " + std::to_string(slow.worker) +
              ", factor = " + ts::toml_double(slow.factor) + " }";
    }
    return text + "]";
  };
  spec.unused_reason = always();
  return spec;
}

KeySpec slow_links_key() {
  constexpr std::string_view kExample =
      "{ u = 0, v = 1, latency_factor = 10.0, bandwidth_factor = 1.0 }";
  KeySpec spec;
  spec.name = "slow_links";
  spec.read = [](const toml::node& node, RunConfig& c, const ReadContext& context) {
    std::vector<LinkSlowdown> slowdowns;
    for_each_element(
        node, context,
        {{"u", true}, {"v", true}, {"latency_factor", false}, {"bandwidth_factor", false}},
        kExample, [&](const toml::table& table, const std::string& key) {
          slowdowns.push_back(
              {.u = member_value(table, "u", key, 0),
               .v = member_value(table, "v", key, 0),
               .latency_factor = member_value(table, "latency_factor", key, 1.0),
               .bandwidth_factor = member_value(table, "bandwidth_factor", key, 1.0)});
        });
    c.cost.slow_links = std::move(slowdowns);
  };
  spec.format = [](const RunConfig& c) {
    std::string text = "[";
    for (std::size_t i = 0; i < c.cost.slow_links.size(); ++i) {
      const auto& link = c.cost.slow_links[i];
      if (i > 0) text += ", ";
      text += "{ u = " + std::to_string(link.u) + ", v = " + std::to_string(link.v) +
              ", latency_factor = " + ts::toml_double(link.latency_factor) +
              ", bandwidth_factor = " + ts::toml_double(link.bandwidth_factor) + " }";
    }
    return text + "]";
  };
  spec.unused_reason = always();
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Keys whose value needs more than a type check.

KeySpec engine_key() {
  KeySpec spec = field(
      "engine", [](auto& c) -> auto& { return c.run.engine; });
  spec.read = [](const toml::node& node, RunConfig& c, const ReadContext& context) {
    c.run.engine = checked_name(ts::read_string(node, context.key), context.key,
                                {std::begin(kEngineNames), std::end(kEngineNames)});
  };
  return spec;
}

KeySpec topology_kind_key() {
  KeySpec spec = field(
      "kind", [](auto& c) -> auto& { return c.topology.graph.kind; }, for_generated_graph({}));
  spec.read = [](const toml::node& node, RunConfig& c, const ReadContext& context) {
    std::vector<std::string_view> names;
    for (const auto& entry : topology_catalog()) names.push_back(entry.name);
    c.topology.graph.kind = checked_name(ts::read_string(node, context.key), context.key, names);
  };
  return spec;
}

KeySpec mixing_key() {
  KeySpec spec = field(
      "mixing", [](auto& c) -> auto& { return c.topology.mixing; },
      for_algorithms({AlgorithmKind::kDpsgd}));
  spec.read = [](const toml::node& node, RunConfig& c, const ReadContext& context) {
    std::vector<std::string_view> names;
    for (const auto& info : mixing_rule_catalog()) names.push_back(info.name);
    names.push_back("file");
    c.topology.mixing = checked_name(ts::read_string(node, context.key), context.key, names);
  };
  return spec;
}

KeySpec edge_list_file_key() {
  KeySpec spec = field(
      "edge_list_file", [](auto& c) -> auto& { return c.topology.graph.edge_list_file; },
      for_generated_graph({"edge_list"}));
  spec.read = [](const toml::node& node, RunConfig& c, const ReadContext& context) {
    c.topology.graph.edge_list_file = resolve_path(node, context).string();
  };
  return spec;
}

KeySpec grouping_scheme_key() {
  KeySpec spec;
  spec.name = "scheme";
  spec.read = [](const toml::node& node, RunConfig& c, const ReadContext& context) {
    const std::string value = ts::read_string(node, context.key);
    std::vector<std::string_view> names;
    for (const auto& entry : grouping_catalog()) names.push_back(entry.name);
    checked_name(value, context.key, names);
    c.grouping.nested = value == "nested";
    if (!c.grouping.nested) c.grouping.two_level.scheme = parse_grouping_scheme(value, context.key);
  };
  spec.format = [](const RunConfig& c) {
    return ts::toml_string(c.grouping.nested ? "nested"
                                             : std::string(to_string(c.grouping.two_level.scheme)));
  };
  spec.unused_reason = always();
  return spec;
}

// hsgd's two-level periods are replaced by level_periods when that is given.
UsageRule for_two_level_periods() {
  return both(for_algorithms({AlgorithmKind::kHsgd}), [](const RunConfig& c) -> std::string {
    if (c.algorithm.level_periods.empty()) return {};
    return "is not used when algorithm.level_periods is given (it sets the period of every level)";
  });
}

// ---------------------------------------------------------------------------------------------
// The tables.

std::vector<SectionSpec> make_sections() {
  using enum ProblemKind;
  const auto diagonal = for_problems({kQuadratic, kNonconvexSeparable});
  const auto robust = for_problems({kRobustRegression});
  const auto gaussian = for_source(DataSource::kGaussianMixture);
  const auto libsvm = for_source(DataSource::kLibsvm);
  std::vector<SectionSpec> sections;

  sections.push_back(
      {.name = "run",
       .keys =
           {field(
                "workers", [](auto& c) -> auto& { return c.run.workers; }, always(), true),
            field(
                "iterations", [](auto& c) -> auto& { return c.run.iterations; }),
            field(
                "seed", [](auto& c) -> auto& { return c.run.seed; }),
            field(
                "max_virtual_time_s", [](auto& c) -> auto& { return c.run.max_virtual_time_s; }),
            engine_key(),
            enum_field(
                "mpi_averaging", [](auto& c) -> auto& { return c.run.mpi_averaging; },
                [](const std::string& v, const std::string& k) {
                  return parse_mpi_averaging(v, k);
                },
                only_when("run.engine", [](const RunConfig& c) { return c.run.engine; }, {"mpi"}))},
       .unused_reason = always()});

  sections.push_back(
      {.name = "problem",
       .keys =
           {enum_field(
                "name", [](auto& c) -> auto& { return c.problem.kind; },
                [](const std::string& v, const std::string& k) { return parse_problem_kind(v, k); },
                always(), true),
            field(
                "dim", [](auto& c) -> auto& { return c.problem.diagonal.dim; }, diagonal),
            field(
                "curvature_min", [](auto& c) -> auto& { return c.problem.diagonal.curvature_min; },
                diagonal),
            field(
                "curvature_max", [](auto& c) -> auto& { return c.problem.diagonal.curvature_max; },
                diagonal),
            enum_field(
                "curvature_sharing",
                [](auto& c) -> auto& { return c.problem.diagonal.curvature_sharing; },
                [](const std::string& v, const std::string& k) {
                  return parse_curvature_sharing(v, k);
                },
                diagonal),
            field(
                "groups", [](auto& c) -> auto& { return c.problem.diagonal.num_groups; }, diagonal),
            field(
                "group_center_spread",
                [](auto& c) -> auto& { return c.problem.diagonal.group_center_spread; }, diagonal),
            field(
                "worker_center_spread",
                [](auto& c) -> auto& { return c.problem.diagonal.worker_center_spread; }, diagonal),
            field(
                "noise_variance",
                [](auto& c) -> auto& { return c.problem.diagonal.noise_variance; }, diagonal),
            field(
                "cosine_weight", [](auto& c) -> auto& { return c.problem.cosine_weight; },
                for_problems({kNonconvexSeparable})),
            field(
                "regularization",
                [](auto& c) -> auto& { return c.problem.logistic.regularization; },
                for_problems({kLogisticNonconvex})),
            field(
                "hidden_units", [](auto& c) -> auto& { return c.problem.mlp.hidden_units; },
                for_problems({kMlp})),
            field(
                "weight_decay", [](auto& c) -> auto& { return c.problem.mlp.weight_decay; },
                for_problems({kMlp})),
            field(
                "init_scale", [](auto& c) -> auto& { return c.problem.mlp.init_scale; },
                for_problems({kMlp})),
            field(
                "scale", [](auto& c) -> auto& { return c.problem.robust_regression.scale; },
                robust)},
       .unused_reason = always()});

  sections.push_back(
      {.name = "data",
       .keys =
           {enum_field(
                "source", [](auto& c) -> auto& { return c.data.source; },
                [](const std::string& v, const std::string& k) { return parse_data_source(v, k); }),
            field(
                "samples", [](auto& c) -> auto& { return c.data.gaussian_mixture.num_samples; },
                gaussian),
            field(
                "features", [](auto& c) -> auto& { return c.data.gaussian_mixture.num_features; },
                gaussian),
            field(
                "classes", [](auto& c) -> auto& { return c.data.gaussian_mixture.num_classes; },
                gaussian),
            field(
                "separation",
                [](auto& c) -> auto& { return c.data.gaussian_mixture.class_separation; },
                gaussian),
            field(
                "noise_stddev",
                [](auto& c) -> auto& { return c.data.gaussian_mixture.noise_stddev; }, gaussian),
            field(
                "file", [](auto& c) -> auto& { return c.data.libsvm_file; }, libsvm),
            field(
                "zero_based", [](auto& c) -> auto& { return c.data.libsvm.zero_based; }, libsvm),
            field(
                "num_features", [](auto& c) -> auto& { return c.data.libsvm.num_features; },
                libsvm),
            enum_field(
                "partition", [](auto& c) -> auto& { return c.data.partition.scheme; },
                [](const std::string& v, const std::string&) { return parse_partition_scheme(v); }),
            field(
                "dirichlet_alpha",
                [](auto& c) -> auto& { return c.data.partition.dirichlet_alpha; },
                for_partition(PartitionScheme::kDirichlet)),
            field(
                "min_samples_per_worker",
                [](auto& c) -> auto& { return c.data.partition.min_samples_per_worker; }),
            field(
                "classes_per_worker",
                [](auto& c) -> auto& { return c.data.partition.classes_per_worker; },
                for_partition(PartitionScheme::kClassesPerWorker)),
            field(
                "quantity_skew_alpha",
                [](auto& c) -> auto& { return c.data.partition.quantity_skew_alpha; },
                for_partition(PartitionScheme::kQuantitySkew)),
            field(
                "feature_shift", [](auto& c) -> auto& { return c.data.feature_shift.shift_scale; }),
            field(
                "feature_scale_spread",
                [](auto& c) -> auto& { return c.data.feature_shift.scale_spread; }),
            field(
                "truth_scale",
                [](auto& c) -> auto& { return c.data.regression_targets.truth_scale; }, robust),
            field(
                "worker_shift",
                [](auto& c) -> auto& { return c.data.regression_targets.worker_shift; }, robust),
            field(
                "target_noise",
                [](auto& c) -> auto& { return c.data.regression_targets.noise_stddev; }, robust),
            field(
                "outlier_fraction",
                [](auto& c) -> auto& { return c.data.regression_targets.outlier_fraction; },
                robust),
            field(
                "outlier_scale",
                [](auto& c) -> auto& { return c.data.regression_targets.outlier_scale; }, robust)},
       .unused_reason = [](const RunConfig& c) -> std::string {
         if (c.uses_data()) return {};
         return "is only used by the data-driven problems (logistic_nonconvex, mlp, "
                "robust_regression), but problem.name is \"" +
                std::string(to_string(c.problem.kind)) + "\"";
       }});

  KeySpec level_periods = field(
      "level_periods", [](auto& c) -> auto& { return c.algorithm.level_periods; },
      for_algorithms({AlgorithmKind::kHsgd}));
  level_periods.omit = [](const RunConfig& c) { return c.algorithm.level_periods.empty(); };
  sections.push_back(
      {.name = "algorithm",
       .keys = {enum_field(
                    "name", [](auto& c) -> auto& { return c.algorithm.kind; },
                    [](const std::string& v, const std::string& k) {
                      return parse_algorithm_kind(v, k);
                    },
                    always(), true),
                field(
                    "step_size", [](auto& c) -> auto& { return c.algorithm.step.initial; }),
                enum_field(
                    "schedule", [](auto& c) -> auto& { return c.algorithm.step.kind; },
                    [](const std::string& v, const std::string& k) {
                      return parse_step_schedule_kind(v, k);
                    }),
                field(
                    "decay_factor", [](auto& c) -> auto& { return c.algorithm.step.decay_factor; },
                    for_schedules({StepScheduleKind::kStepDecay})),
                field(
                    "decay_every", [](auto& c) -> auto& { return c.algorithm.step.decay_every; },
                    for_schedules({StepScheduleKind::kInverseSqrt, StepScheduleKind::kStepDecay})),
                field(
                    "batch_size", [](auto& c) -> auto& { return c.algorithm.batch_size; }),
                field(
                    "period", [](auto& c) -> auto& { return c.algorithm.period; },
                    for_algorithms({AlgorithmKind::kLocalSgd})),
                field(
                    "local_period", [](auto& c) -> auto& { return c.algorithm.local_period; },
                    for_two_level_periods()),
                field(
                    "global_period", [](auto& c) -> auto& { return c.algorithm.global_period; },
                    for_two_level_periods()),
                std::move(level_periods),
                enum_field(
                    "pairing", [](auto& c) -> auto& { return c.algorithm.pairing; },
                    [](const std::string& v, const std::string& k) {
                      return parse_pairing_mode(v, k);
                    },
                    for_algorithms({AlgorithmKind::kAdpsgd}))},
       .unused_reason = always()});

  sections.push_back(
      {.name = "topology",
       .keys = {topology_kind_key(), mixing_key(),
                field(
                    "mixing_file", [](auto& c) -> auto& { return c.topology.mixing_file; },
                    [](const RunConfig& c) -> std::string {
                      if (mixing_from_file(c)) return {};
                      return "is only used when topology.mixing is \"file\"";
                    }),
                field(
                    "torus_rows", [](auto& c) -> auto& { return c.topology.graph.torus_rows; },
                    for_generated_graph({"torus"})),
                field(
                    "edge_probability",
                    [](auto& c) -> auto& { return c.topology.graph.edge_probability; },
                    for_generated_graph({"erdos_renyi"})),
                field(
                    "degree", [](auto& c) -> auto& { return c.topology.graph.degree; },
                    for_generated_graph({"random_regular"})),
                edge_list_file_key()},
       .unused_reason = [](const RunConfig& c) -> std::string {
         if (c.uses_topology()) return {};
         return "is only used by dpsgd and adpsgd, but algorithm.name is \"" +
                std::string(to_string(c.algorithm.kind)) + "\"";
       }});

  sections.push_back(
      {.name = "grouping",
       .keys = {grouping_scheme_key(),
                field(
                    "groups", [](auto& c) -> auto& { return c.grouping.two_level.num_groups; },
                    for_grouping(false)),
                field(
                    "cluster_sizes", [](auto& c) -> auto& { return c.grouping.cluster_sizes; },
                    for_grouping(true)),
                field(
                    "random", [](auto& c) -> auto& { return c.grouping.random; },
                    for_grouping(true))},
       .unused_reason = [](const RunConfig& c) -> std::string {
         if (c.uses_grouping()) return {};
         return "is only used by hsgd, but algorithm.name is \"" +
                std::string(to_string(c.algorithm.kind)) + "\"";
       }});

  const auto apsgd = for_algorithms({AlgorithmKind::kApsgd});
  sections.push_back(
      {.name = "cost",
       .keys = {field(
                    "compute_time_s", [](auto& c) -> auto& { return c.cost.compute_time_s; }),
                enum_field(
                    "compute_distribution",
                    [](auto& c) -> auto& { return c.cost.compute_distribution; },
                    [](const std::string& v, const std::string& k) {
                      return parse_compute_time_distribution(v, k);
                    }),
                field(
                    "lognormal_sigma", [](auto& c) -> auto& { return c.cost.lognormal_sigma; },
                    for_distribution(ComputeTimeDistribution::kLognormal)),
                field(
                    "compute_trace_file",
                    [](auto& c) -> auto& { return c.cost.compute_trace_file; },
                    for_distribution(ComputeTimeDistribution::kTrace)),
                slow_workers_key(),
                field(
                    "link_latency_s", [](auto& c) -> auto& { return c.cost.link_latency_s; }),
                field(
                    "link_bandwidth_bytes_per_s",
                    [](auto& c) -> auto& { return c.cost.link_bandwidth_bytes_per_s; }),
                slow_links_key(),
                field(
                    "server_latency_s", [](auto& c) -> auto& { return c.cost.server_latency_s; },
                    apsgd),
                field(
                    "server_bandwidth_bytes_per_s",
                    [](auto& c) -> auto& { return c.cost.server_bandwidth_bytes_per_s; }, apsgd)},
       .unused_reason = always()});

  sections.push_back(
      {.name = "probe",
       .keys = {field(
                    "every_iterations", [](auto& c) -> auto& { return c.probe.every_iterations; }),
                field(
                    "every_virtual_time_s",
                    [](auto& c) -> auto& { return c.probe.every_virtual_time_s; }),
                field(
                    "running_average_every",
                    [](auto& c) -> auto& { return c.probe.running_average_every; })},
       .unused_reason = always()});

  sections.push_back(
      {.name = "estimators",
       .keys = {field(
                    "noise_samples",
                    [](auto& c) -> auto& { return c.estimators.trajectory.noise_samples; }),
                field(
                    "power_iterations",
                    [](auto& c) -> auto& { return c.estimators.smoothness.power_iterations; }),
                field(
                    "finite_difference_step",
                    [](auto& c) -> auto& { return c.estimators.smoothness.relative_step; }),
                field(
                    "optimum_iterations",
                    [](auto& c) -> auto& { return c.estimators.optimum.max_iterations; }),
                enum_field(
                    "spectral_method",
                    [](auto& c) -> auto& { return c.estimators.spectral.method; },
                    [](const std::string& v, const std::string& k) {
                      return parse_eigen_method(v, k);
                    })},
       .unused_reason = always()});
  return sections;
}

}  // namespace

const KeySpec* SectionSpec::find(std::string_view key) const {
  for (const auto& spec : keys) {
    if (spec.name == key) return &spec;
  }
  return nullptr;
}

std::vector<std::string_view> SectionSpec::key_names() const {
  std::vector<std::string_view> names;
  for (const auto& spec : keys) names.push_back(spec.name);
  return names;
}

const std::vector<SectionSpec>& sections() {
  static const std::vector<SectionSpec> kSections = make_sections();
  return kSections;
}

const SectionSpec* find_section(std::string_view name) {
  for (const auto& section : sections()) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

}  // namespace dsgdlab::config_schema
