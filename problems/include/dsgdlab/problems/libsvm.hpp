#pragma once

/// Reader for classification data in the LIBSVM / SVMlight text format.

#include <filesystem>
#include <vector>

#include "dsgdlab/core/types.hpp"
#include "dsgdlab/problems/dataset.hpp"

namespace dsgdlab {

/// Options of read_libsvm. Field names in errors are "libsvm.FIELD".
///
/// | option       | default | meaning                                                        |
/// |--------------|---------|----------------------------------------------------------------|
/// | num_features | 0       | p; 0 infers it from the largest index (max index, or max + 1   |
/// |              |         | when zero_based); a positive value rejects larger indices      |
/// | zero_based   | false   | indices start at 0 (feature j is row j) instead of 1 (row j−1)  |
struct LibsvmReadOptions {
  Index num_features = 0;
  bool zero_based = false;

  /// Throws InputError if num_features is negative.
  void validate() const;
};

struct LibsvmData {
  /// p × N dense features (absent entries are 0), class labels 0..K−1, no targets.
  Dataset dataset;
  /// label_values[k] = the label written in the file for class k; strictly ascending.
  std::vector<double> label_values;
};

/// Largest dense matrix read_libsvm builds, in entries (2³⁰ doubles = 8 GiB); a larger p × N
/// is reported as a FileFormatError (line 0) instead of failing to allocate.
inline constexpr Index kLibsvmMaxDenseEntries = Index{1} << 30;

/// Reads a LIBSVM file. Each line is `LABEL [INDEX:VALUE]...`, whitespace separated (spaces,
/// tabs; a trailing '\r' is ignored). Blank lines and lines whose first non-blank character is
/// '#' are skipped, and a '#' anywhere starts a comment that runs to the end of the line.
/// LABEL is any finite number; the distinct labels, sorted ascending, become classes 0..K−1
/// (so −1/+1 become 0/1). INDEX is an integer, positive (or non-negative with zero_based),
/// strictly increasing within a line; VALUE is a finite number. Numbers are parsed with
/// std::from_chars and the whole token must parse; one leading '+' is accepted ("+1").
///
/// Errors: a missing or unreadable file throws InputError naming the path; every malformed
/// line throws FileFormatError(file, line, problem) with a 1-based line number, for example
/// "feature index 0 is not positive (indices are 1-based)", "expected INDEX:VALUE, got 'abc'",
/// "feature indices must increase: 5 after 7", "value 'nanx' of feature 3 is not a number",
/// "label 'x' is not a number", "feature index 120 exceeds num_features (100)"; whole-file
/// problems use line 0 ("contains no samples").
LibsvmData read_libsvm(const std::filesystem::path& file, const LibsvmReadOptions& options = {});

}  // namespace dsgdlab
