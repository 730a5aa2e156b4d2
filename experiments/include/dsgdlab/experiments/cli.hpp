#pragma once

/// The `dsgdlab` command line. Exit codes: 0 success, 1 a claim failed or a rate regressed,
/// 2 bad input (with a message naming the field, the value and the rule).

#include <iosfwd>

namespace dsgdlab {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitClaimFailed = 1;
inline constexpr int kExitBadInput = 2;

/// Runs the command line with the given arguments, printing to `out` and `err`.
int run_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace dsgdlab
