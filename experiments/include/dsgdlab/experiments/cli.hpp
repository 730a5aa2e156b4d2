#pragma once

/// The `dsgdlab` command line. Exit codes: 0 success, 1 a claim failed or a rate regressed,
/// 2 bad input (with a message naming the field, the value and the rule), 3 a run could not
/// be carried out (an engine failure, a file that cannot be written; the message says why).
///
/// Commands: `list [SECTION] [--json]`, `run CONFIG [--out DIR]` (run_command.hpp) or
/// `run SUITE --out DIR [--jobs N] [--quick] [--engine E]` (suite_command.hpp),
/// `check RESULTS [--baseline B] [--update-baseline] [--json]` and `report RESULTS`
/// (check_command.hpp), `spectral --topology T --workers n [...]` (spectral_command.hpp).

#include <iosfwd>

namespace dsgdlab {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitClaimFailed = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitRunFailed = 3;

/// Runs the command line with the given arguments, printing to `out` and `err`. `run` draws a
/// progress line on `err` only when `err` is std::cerr and standard error is a terminal.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace dsgdlab
