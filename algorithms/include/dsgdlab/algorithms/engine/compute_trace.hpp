#pragma once

/// Compute-time traces for the cost model's "trace" distribution (theory.md §3): recorded
/// factors Z that the simulated engine replays, cyclically, per worker.

#include <filesystem>
#include <vector>

namespace dsgdlab {

/// Reads a compute-time trace: one data line per worker (the i-th data line is worker i's),
/// each holding one or more whitespace-separated (blanks, tabs) positive finite numbers, for
/// example `1.0 0.8 1.3`. '#' starts a comment that runs to the end of the line; blank and
/// comment-only lines are not data lines; CRLF line ends are accepted; a leading '+' is
/// allowed. Numbers are read with std::from_chars (decimal or scientific notation, the same
/// value on every platform).
///
/// Returns factors[i] = worker i's values in file order. Throws InputError if num_workers < 1
/// or the file cannot be read (the message names the path), and FileFormatError
/// "FILE:LINE: PROBLEM" for a value that is not a number ("value 'abc' is not a number"), not
/// positive ("value -1 must be positive") or not finite ("value 'inf' must be finite"), and,
/// with LINE 0, for a wrong number of data lines ("has 3 worker lines, the run has 4
/// workers").
std::vector<std::vector<double>> read_compute_trace(const std::filesystem::path& file,
                                                    int num_workers);

}  // namespace dsgdlab
