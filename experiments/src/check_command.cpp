#include "dsgdlab/experiments/check_command.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <ostream>
#include <string>
#include <vector>

#include "dsgdlab/analysis/verdicts/verdict.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"
#include "dsgdlab/experiments/cli.hpp"

#ifndef DSGDLAB_SOURCE_DIR
#define DSGDLAB_SOURCE_DIR "."
#endif

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json regression_json(const RegressionCheck& check) {
  return {{"metric", check.metric},   {"baseline", check.baseline},   {"measured", check.measured},
          {"allowed", check.allowed}, {"regressed", check.regressed}, {"rule", check.rule}};
}

/// The check that speaks for a claim: the first that regressed, else the first.
const RegressionCheck* headline(const ClaimOutcome& outcome) {
  for (const RegressionCheck& check : outcome.checks) {
    if (check.regressed) return &check;
  }
  return outcome.checks.empty() ? nullptr : &outcome.checks.front();
}

std::string baseline_text(const ClaimOutcome& outcome) {
  if (!outcome.baseline_note.empty()) return outcome.baseline_note;
  const RegressionCheck* check = headline(outcome);
  if (check == nullptr) {
    return outcome.verdict.kind == "exactness" ? "exact checks: not compared"
                                               : "no comparable numbers";
  }
  return std::string(check->regressed ? "regressed: " : "") + check->metric + " " +
         format_verdict_number(check->measured) + " vs " + format_verdict_number(check->baseline) +
         " (allowed " + format_verdict_number(check->allowed) + ")";
}

/// Display width of UTF-8 text (code points; the table's symbols are one column wide).
std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

/// Where `--baseline` points for each suite.
struct BaselineTarget {
  bool directory = false;
  fs::path path;
};

BaselineTarget baseline_target(const CheckCommandOptions& options) {
  const fs::path path(options.baseline);
  std::error_code ec;
  if (fs::is_directory(path, ec)) return {true, path};
  if (fs::exists(path, ec)) return {false, path};
  if (options.update_baseline) return {path.extension() != ".json", path};
  throw InputError("--baseline " + path.string() +
                   ": no such file or directory (write one with --update-baseline)");
}

/// A child process with PYTHONPATH set; returns its exit status (127 when it could not start).
int run_python(const std::vector<std::string>& arguments, const fs::path& python_path) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return 127;
  if (child == 0) {
    std::string value = python_path.string();
    if (const char* existing = std::getenv("PYTHONPATH"); existing != nullptr && *existing) {
      value += ':';
      value += existing;
    }
    ::setenv("PYTHONPATH", value.c_str(), 1);
    std::vector<char*> argv;
    for (const std::string& argument : arguments)
      argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string_view rest(path);
  while (true) {
    const std::size_t colon = rest.find(':');
    const std::string_view directory = rest.substr(0, colon);
    const fs::path candidate = fs::path(directory.empty() ? "." : std::string(directory)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) return false;
    rest.remove_prefix(colon + 1);
  }
}

std::vector<SuiteCheck> evaluate_results(const fs::path& results,
                                         const CheckCommandOptions* options) {
  std::vector<SuiteCheck> checks;
  const auto directories = find_suite_directories(results);
  std::vector<SuiteResults> suites;
  for (const fs::path& directory : directories) suites.push_back(read_suite_results(directory));

  std::optional<BaselineTarget> target;
  std::optional<Baseline> single;
  if (options != nullptr && !options->baseline.empty()) {
    target = baseline_target(*options);
    if (!target->directory) {
      if (options->update_baseline && suites.size() > 1) {
        throw InputError("--baseline " + target->path.string() + " is a file, but " +
                         results.string() + " holds " + std::to_string(suites.size()) +
                         " suites: give a directory to write one <suite>.json per suite");
      }
      if (!options->update_baseline) {
        single = read_baseline(target->path);
        const bool known = std::any_of(suites.begin(), suites.end(), [&](const auto& suite) {
          return suite.name == single->suite;
        });
        if (!known) {
          throw InputError("--baseline " + target->path.string() + " is the baseline of suite '" +
                           single->suite + "', which is not among the results in " +
                           results.string());
        }
      }
    }
  } else if (options != nullptr && options->update_baseline) {
    throw InputError("--update-baseline needs --baseline FILE_OR_DIR (where to write)");
  }

  for (const SuiteResults& suite : suites) {
    if (options == nullptr || !target || options->update_baseline) {
      const std::string note =
          options != nullptr && options->update_baseline ? "baseline updated" : "no baseline";
      checks.push_back(check_suite(suite, nullptr, note));
      continue;
    }
    if (target->directory) {
      const fs::path file = target->path / (suite.name + ".json");
      if (!fs::exists(file)) {
        checks.push_back(
            check_suite(suite, nullptr, "no baseline (" + file.string() + " missing)"));
        continue;
      }
      const Baseline baseline = read_baseline(file);
      if (baseline.suite != suite.name) {
        throw FileFormatError(
            file, 0, "is the baseline of suite '" + baseline.suite + "', not '" + suite.name + "'");
      }
      checks.push_back(check_suite(suite, &baseline));
    } else if (single->suite == suite.name) {
      checks.push_back(check_suite(suite, &*single));
    } else {
      checks.push_back(check_suite(
          suite, nullptr,
          "no baseline (" + target->path.string() + " is for suite " + single->suite + ")"));
    }
  }

  if (options != nullptr && options->update_baseline) {
    for (std::size_t i = 0; i < suites.size(); ++i) {
      const fs::path file =
          target->directory ? target->path / (suites[i].name + ".json") : target->path;
      std::vector<ClaimVerdict> verdicts;
      for (const ClaimOutcome& outcome : checks[i].claims) verdicts.push_back(outcome.verdict);
      write_baseline(file, suites[i].name, verdicts);
      for (ClaimOutcome& outcome : checks[i].claims) {
        outcome.baseline_note = "baseline written to " + file.string();
      }
    }
  }
  for (const SuiteCheck& check : checks) {
    write_json_atomically(check.directory / kVerdictsFileName, verdicts_json(check));
  }
  return checks;
}

}  // namespace

bool ClaimOutcome::regressed() const {
  return std::any_of(checks.begin(), checks.end(),
                     [](const RegressionCheck& check) { return check.regressed; });
}

std::string ClaimOutcome::status() const {
  if (!verdict.verdict.passed) return "FAIL";
  return regressed() ? "REGRESSED" : "PASS";
}

bool SuiteCheck::passed() const {
  return std::all_of(claims.begin(), claims.end(),
                     [](const ClaimOutcome& outcome) { return outcome.status() == "PASS"; });
}

SuiteCheck check_suite(const SuiteResults& suite, const Baseline* baseline,
                       const std::string& no_baseline_note) {
  SuiteCheck check;
  check.suite = suite.name;
  check.directory = suite.directory;
  for (ClaimVerdict& verdict : evaluate_claims(suite)) {
    ClaimOutcome outcome;
    outcome.verdict = std::move(verdict);
    if (baseline == nullptr) {
      outcome.baseline_note = no_baseline_note;
    } else if (const auto found = baseline->claims.find(outcome.verdict.name);
               found == baseline->claims.end()) {
      outcome.baseline_note = "not in the baseline " + baseline->file.string();
    } else {
      outcome.checks = compare_with_baseline(outcome.verdict, found->second);
    }
    check.claims.push_back(std::move(outcome));
  }
  return check;
}

json verdicts_json(const SuiteCheck& check) {
  json claims = json::array();
  for (const ClaimOutcome& outcome : check.claims) {
    const Verdict& verdict = outcome.verdict.verdict;
    json numbers = json::object();
    for (const VerdictNumber& number : verdict.numbers) numbers[number.name] = number.value;
    json checks = json::array();
    for (const RegressionCheck& regression : outcome.checks) {
      checks.push_back(regression_json(regression));
    }
    const RegressionCheck* main_check = headline(outcome);
    claims.push_back({{"name", outcome.verdict.name},
                      {"verdict", outcome.verdict.kind},
                      {"description", outcome.verdict.description},
                      {"passed", verdict.passed},
                      {"status", outcome.status()},
                      {"claim", verdict.claim},
                      {"measured", verdict.measured},
                      {"expected", verdict.expected},
                      {"numbers", numbers},
                      {"regression", main_check ? regression_json(*main_check) : json()},
                      {"regression_checks", checks},
                      {"baseline_note", outcome.baseline_note}});
  }
  return {{"format", kVerdictsFormat},
          {"suite", check.suite},
          {"passed", check.passed()},
          {"claims", claims}};
}

void print_verdict_table(const std::vector<SuiteCheck>& checks, std::ostream& out) {
  std::vector<std::vector<std::string>> rows{
      {"suite", "claim", "measured", "expected", "verdict", "baseline"}};
  int passed = 0;
  int failed = 0;
  int regressed = 0;
  for (const SuiteCheck& check : checks) {
    for (const ClaimOutcome& outcome : check.claims) {
      const std::string status = outcome.status();
      (status == "PASS" ? passed : status == "FAIL" ? failed : regressed) += 1;
      rows.push_back({check.suite, outcome.verdict.name, outcome.verdict.verdict.measured,
                      outcome.verdict.verdict.expected, status, baseline_text(outcome)});
    }
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - display_width(row[c]) + 2, ' ');
    }
    out << line << '\n';
  }
  out << passed + failed + regressed << " claims: " << passed << " passed, " << failed
      << " failed, " << regressed << " regressed\n";
}

CLI::App* add_check_subcommand(CLI::App& app, CheckCommandOptions& options) {
  auto* check = app.add_subcommand(
      "check",
      "Evaluate the claims of suite results, compare them with a baseline, write verdicts.json; "
      "exit 1 when a claim fails or regresses");
  check->add_option("results", options.results, "A suite results directory, or a directory of them")
      ->required();
  check->add_option("--baseline", options.baseline,
                    "Baseline file, or a directory with <suite name>.json per suite");
  check->add_flag("--update-baseline", options.update_baseline,
                  "Write the baseline(s) from these results instead of comparing");
  check->add_flag("--json", options.json, "Print the verdicts as JSON instead of a table");
  return check;
}

int run_check_command(const CheckCommandOptions& options, std::ostream& out) {
  const std::vector<SuiteCheck> checks = evaluate_results(options.results, &options);
  if (options.json) {
    json suites = json::array();
    bool all = true;
    for (const SuiteCheck& check : checks) {
      suites.push_back(verdicts_json(check));
      all = all && check.passed();
    }
    out << json{{"passed", all}, {"suites", suites}}.dump(2) << '\n';
  } else {
    print_verdict_table(checks, out);
  }
  const bool all_passed = std::all_of(checks.begin(), checks.end(),
                                      [](const SuiteCheck& check) { return check.passed(); });
  return all_passed ? kExitSuccess : kExitClaimFailed;
}

CLI::App* add_report_subcommand(CLI::App& app, ReportCommandOptions& options) {
  auto* report = app.add_subcommand(
      "report",
      "Evaluate the claims, write verdicts.json and the HTML report RESULTS/report/index.html");
  report
      ->add_option("results", options.results, "A suite results directory, or a directory of them")
      ->required();
  return report;
}

fs::path notebooks_directory() {
  if (const char* value = std::getenv("DSGDLAB_NOTEBOOKS"); value != nullptr && *value) {
    return value;
  }
  return fs::path(DSGDLAB_SOURCE_DIR) / "notebooks";
}

int run_report_command(const ReportCommandOptions& options, std::ostream& out, std::ostream& err) {
  const std::vector<SuiteCheck> checks = evaluate_results(options.results, nullptr);
  print_verdict_table(checks, out);
  out.flush();
  if (!on_path("python3")) {
    err << "dsgdlab: python3 is not on PATH, so the HTML report cannot be written (verdicts.json "
           "was); install python3 with matplotlib and pandas (scripts/setup)\n";
    return kExitRunFailed;
  }
  const fs::path notebooks = notebooks_directory();
  // Finds the module without running it (find_spec imports only the package).
  const std::string probe =
      "import importlib.util, sys\n"
      "try:\n"
      "    found = importlib.util.find_spec('dsgdlab_plots.report') is not None\n"
      "except ImportError as error:\n"
      "    print(error, file=sys.stderr)\n"
      "    found = False\n"
      "sys.exit(0 if found else 1)\n";
  if (run_python({"python3", "-c", probe}, notebooks) != 0) {
    err << "dsgdlab: the Python module dsgdlab_plots.report cannot be imported from "
        << notebooks.string()
        << "; set DSGDLAB_NOTEBOOKS to the notebooks directory of the dsgdlab source\n";
    return kExitRunFailed;
  }
  const int status =
      run_python({"python3", "-m", "dsgdlab_plots.report", options.results}, notebooks);
  if (status != 0) {
    err << "dsgdlab: python3 -m dsgdlab_plots.report " << options.results << " failed (exit "
        << status << "; the Python error is above: a missing package such as matplotlib or "
        << "pandas is installed by scripts/setup)\n";
    return kExitRunFailed;
  }
  return kExitSuccess;  // the module prints where the page is
}

}  // namespace dsgdlab
