#include "dsgdlab/experiments/cli.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/grouping.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/version.hpp"
#include "dsgdlab/experiments/check_command.hpp"
#include "dsgdlab/experiments/run_command.hpp"
#include "dsgdlab/experiments/suite_command.hpp"
#include "dsgdlab/problems/catalog.hpp"
#include "progress_line.hpp"
#include "spectral_command.hpp"

namespace dsgdlab {
namespace {

struct CatalogSection {
  std::string_view name;
  std::vector<CatalogEntry> entries;
};

std::vector<CatalogEntry> to_vector(std::span<const CatalogEntry> entries) {
  return {entries.begin(), entries.end()};
}

std::vector<CatalogSection> catalog_sections() {
  std::vector<CatalogEntry> mixing;
  for (const auto& info : mixing_rule_catalog()) mixing.push_back({info.name, info.description});
  mixing.push_back(
      {"file", "a user matrix read from a file (dense rows or \"i j w\" triplets), validated"});
  return {{"problems", to_vector(problem_catalog())},
          {"partitions", to_vector(partition_catalog())},
          {"topologies", to_vector(topology_catalog())},
          {"mixing", std::move(mixing)},
          {"groupings", to_vector(grouping_catalog())}};
}

void print_catalog(const std::vector<CatalogSection>& sections, bool as_json, std::ostream& out) {
  if (as_json) {
    nlohmann::json json = nlohmann::json::object();
    for (const auto& section : sections) {
      auto& list = json[std::string(section.name)] = nlohmann::json::array();
      for (const auto& entry : section.entries) {
        list.push_back({{"name", entry.name}, {"description", entry.description}});
      }
    }
    out << json.dump(2) << '\n';
    return;
  }
  std::size_t width = 0;
  for (const auto& section : sections) {
    for (const auto& entry : section.entries) width = std::max(width, entry.name.size());
  }
  bool first = true;
  for (const auto& section : sections) {
    if (!first) out << '\n';
    first = false;
    out << section.name << '\n';
    for (const auto& entry : section.entries) {
      out << "  " << std::left << std::setw(static_cast<int>(width)) << entry.name << "  "
          << entry.description << '\n';
    }
  }
}

}  // namespace

int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"dsgdlab: exact distributed SGD algorithms, measured against their theory",
               "dsgdlab"};
  app.set_version_flag("--version", std::string("dsgdlab ") + kVersion);
  app.require_subcommand(1);

  auto* list = app.add_subcommand(
      "list", "List problems, partitions, topologies, mixing rules and groupings");
  std::string list_what = "all";
  bool list_json = false;
  std::vector<std::string> section_names{"all"};
  for (const auto& section : catalog_sections()) section_names.emplace_back(section.name);
  list->add_option("what", list_what, "Which catalog to list")
      ->check(CLI::IsMember(section_names))
      ->capture_default_str();
  list->add_flag("--json", list_json, "Print JSON instead of a table");

  auto* run = app.add_subcommand(
      "run",
      "Run one configuration file (TOML) and write config.toml, trace.csv, timing.csv, "
      "bounds.csv, summary.json; or run every run of a suite file (docs/suites.md)");
  std::string run_config;
  std::string run_output;
  SuiteCommandOptions suite_options;
  run->add_option("config", run_config,
                  "Run configuration file (docs/configuration.md) or suite file "
                  "(docs/suites.md)")
      ->required();
  run->add_option("--out", run_output, "Output directory (default: results/<file stem>)");
  run->add_option("--jobs", suite_options.run.jobs, "Suites: runs at a time")
      ->capture_default_str();
  run->add_flag("--quick", suite_options.quick, "Suites: the quick sizes of [suite.quick]");
  run->add_option("--engine", suite_options.engine,
                  "Suites: override run.engine (sim, threads, mpi)");

  SpectralCommandOptions spectral_options;
  auto* spectral = add_spectral_subcommand(app, spectral_options);

  CheckCommandOptions check_options;
  auto* check = add_check_subcommand(app, check_options);
  ReportCommandOptions report_options;
  auto* report = add_report_subcommand(app, report_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kExitBadInput;
  }

  try {
    if (list->parsed()) {
      auto sections = catalog_sections();
      if (list_what != "all") {
        std::erase_if(sections, [&](const CatalogSection& s) { return s.name != list_what; });
      }
      print_catalog(sections, list_json, out);
    }
    if (spectral->parsed()) return run_spectral_command(spectral_options, out);
    if (check->parsed()) return run_check_command(check_options, out);
    if (report->parsed()) return run_report_command(report_options, out, err);
    if (run->parsed()) {
      const std::filesystem::path config_file(run_config);
      const std::filesystem::path output = run_output.empty()
                                               ? default_output_directory(config_file)
                                               : std::filesystem::path(run_output);
      // A progress line only on a terminal: the real stderr, attached to a tty.
      const bool terminal = &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
      if (is_suite_file(config_file)) {
        return run_suite_command(config_file, output, suite_options, terminal, out, err);
      }
      reject_suite_options(suite_options, run->count("--jobs") > 0, config_file);
      ProgressLine progress(err, terminal, config_file.stem().string());
      const auto outcome = run_config_file(config_file, output, progress.callback());
      progress.finish();
      if (!outcome.lead) return kExitSuccess;
      out << outcome.summary_line << '\n';
      for (const std::string& line : outcome.bound_lines) out << line << '\n';
      if (outcome.result.status.code() == StatusCode::kFailed) return kExitRunFailed;
    }
  } catch (const InputError& e) {
    err << "dsgdlab: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    err << "dsgdlab: error: " << e.what() << '\n';
    return kExitRunFailed;
  }
  return kExitSuccess;
}

}  // namespace dsgdlab
