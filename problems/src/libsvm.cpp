#include "dsgdlab/problems/libsvm.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <system_error>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

enum class ParseResult { kOk, kNotANumber, kNotFinite, kOutOfRange };

/// Parses the whole token as a double with std::from_chars; one leading '+' is accepted.
ParseResult parse_real(std::string_view token, double& value) {
  if (!token.empty() && token.front() == '+') {
    token.remove_prefix(1);
    if (!token.empty() && (token.front() == '+' || token.front() == '-'))
      return ParseResult::kNotANumber;
  }
  if (token.empty()) return ParseResult::kNotANumber;
  const char* end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, value);
  if (ptr != end) return ParseResult::kNotANumber;
  if (ec == std::errc::result_out_of_range) return ParseResult::kOutOfRange;
  if (ec != std::errc{}) return ParseResult::kNotANumber;
  if (!std::isfinite(value)) return ParseResult::kNotFinite;
  return ParseResult::kOk;
}

/// "is not a number" / "is not finite" / "is out of range" for a failed parse_real.
std::string_view describe_failure(ParseResult result) {
  switch (result) {
    case ParseResult::kNotANumber: return "is not a number";
    case ParseResult::kNotFinite: return "is not finite";
    case ParseResult::kOutOfRange: return "is out of the range of double";
    case ParseResult::kOk: break;
  }
  return "is invalid";
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/// Splits off the next whitespace-separated token of `rest` (empty when none is left).
std::string_view next_token(std::string_view& rest) {
  std::size_t begin = 0;
  while (begin < rest.size() && is_blank(rest[begin])) ++begin;
  std::size_t end = begin;
  while (end < rest.size() && !is_blank(rest[end])) ++end;
  const std::string_view token = rest.substr(begin, end - begin);
  rest.remove_prefix(end);
  return token;
}

std::string quoted(std::string_view text) {
  std::string out = "'";
  out += text;
  out += '\'';
  return out;
}

struct Entry {
  Index sample;
  Index row;
  double value;
};

/// Parses the label and the INDEX:VALUE tokens of one sample line, remembering the previous
/// index of the line; every problem throws FileFormatError(file, line, problem).
class LineParser {
 public:
  LineParser(const std::filesystem::path& file, std::size_t line, const LibsvmReadOptions& options)
      : file_(file), line_(line), options_(options) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw FileFormatError(file_, line_, problem);
  }

  double label(std::string_view token) const {
    double value = 0.0;
    const ParseResult result = parse_real(token, value);
    if (result != ParseResult::kOk)
      fail("label " + quoted(token) + " " + std::string(describe_failure(result)));
    return value;
  }

  /// Parses INDEX:VALUE and returns the row (0-based) and the value.
  std::pair<Index, double> feature(std::string_view token) {
    const std::size_t colon = token.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == token.size())
      fail("expected INDEX:VALUE, got " + quoted(token));
    const std::string_view index_text = token.substr(0, colon);
    const std::string_view value_text = token.substr(colon + 1);

    Index index = 0;
    const char* end = index_text.data() + index_text.size();
    const auto [ptr, ec] = std::from_chars(index_text.data(), end, index);
    if (ptr != end || (ec != std::errc{} && ec != std::errc::result_out_of_range))
      fail("feature index " + quoted(index_text) + " is not an integer");
    if (ec == std::errc::result_out_of_range)
      fail("feature index " + std::string(index_text) + " is too large");
    if (options_.zero_based && index < 0) {
      fail("feature index " + std::to_string(index) + " is negative (indices are 0-based)");
    }
    if (!options_.zero_based && index < 1) {
      fail("feature index " + std::to_string(index) + " is not positive (indices are 1-based)");
    }
    if (has_previous_ && index <= previous_index_) {
      fail("feature indices must increase: " + std::to_string(index) + " after " +
           std::to_string(previous_index_));
    }
    previous_index_ = index;
    has_previous_ = true;

    const Index row = options_.zero_based ? index : index - 1;
    if (options_.num_features > 0 && row >= options_.num_features) {
      if (options_.zero_based) {
        fail("feature index " + std::to_string(index) + " must be less than num_features (" +
             std::to_string(options_.num_features) + ") (indices are 0-based)");
      }
      fail("feature index " + std::to_string(index) + " exceeds num_features (" +
           std::to_string(options_.num_features) + ")");
    }

    double value = 0.0;
    const ParseResult result = parse_real(value_text, value);
    if (result != ParseResult::kOk) {
      fail("value " + quoted(value_text) + " of feature " + std::to_string(index) + " " +
           std::string(describe_failure(result)));
    }
    return {row, value};
  }

 private:
  const std::filesystem::path& file_;
  std::size_t line_;
  const LibsvmReadOptions& options_;
  Index previous_index_ = 0;
  bool has_previous_ = false;
};

std::string read_existing_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status))
    throw InputError(file.string() + ": LIBSVM file does not exist");
  if (!std::filesystem::is_regular_file(status))
    throw InputError(file.string() + ": LIBSVM path is not a regular file");
  return read_file(file);
}

}  // namespace

void LibsvmReadOptions::validate() const {
  if (num_features < 0) {
    throw invalid_option("libsvm.num_features", num_features,
                         "must be non-negative (0 infers it from the largest index)");
  }
}

LibsvmData read_libsvm(const std::filesystem::path& file, const LibsvmReadOptions& options) {
  options.validate();
  const std::string text = read_existing_file(file);

  std::vector<double> labels;
  std::vector<Entry> entries;
  Index max_row = -1;
  std::size_t line_number = 0;
  for (std::size_t begin = 0; begin < text.size();) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string_view rest(text.data() + begin, end - begin);
    begin = end + 1;
    ++line_number;

    if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos)
      rest = rest.substr(0, hash);
    const std::string_view label_token = next_token(rest);
    if (label_token.empty()) continue;  // blank or comment line

    LineParser parser(file, line_number, options);
    const auto sample = static_cast<Index>(labels.size());
    labels.push_back(parser.label(label_token));
    for (std::string_view token = next_token(rest); !token.empty(); token = next_token(rest)) {
      const auto [row, value] = parser.feature(token);
      max_row = std::max(max_row, row);
      entries.push_back({sample, row, value});
    }
  }

  if (labels.empty()) throw FileFormatError(file, 0, "contains no samples");
  const auto num_samples = static_cast<Index>(labels.size());
  const Index num_features = options.num_features > 0 ? options.num_features : max_row + 1;
  if (num_features == 0) {
    throw FileFormatError(file, 0,
                          "contains no feature entries, so the number of features cannot be "
                          "inferred; set num_features");
  }
  if (num_features > kLibsvmMaxDenseEntries / num_samples) {
    throw FileFormatError(file, 0,
                          "a dense " + std::to_string(num_features) + " x " +
                              std::to_string(num_samples) +
                              " feature matrix exceeds the limit of " +
                              std::to_string(kLibsvmMaxDenseEntries) + " entries");
  }

  LibsvmData result;
  result.label_values = labels;
  std::sort(result.label_values.begin(), result.label_values.end());
  result.label_values.erase(std::unique(result.label_values.begin(), result.label_values.end()),
                            result.label_values.end());

  Dataset& data = result.dataset;
  data.num_classes = static_cast<int>(result.label_values.size());
  data.labels.resize(labels.size());
  for (std::size_t s = 0; s < labels.size(); ++s) {
    const auto position =
        std::lower_bound(result.label_values.begin(), result.label_values.end(), labels[s]);
    data.labels[s] = static_cast<int>(position - result.label_values.begin());
  }
  data.features = Matrix::Zero(num_features, num_samples);
  for (const Entry& entry : entries) data.features(entry.row, entry.sample) = entry.value;
  return result;
}

}  // namespace dsgdlab
