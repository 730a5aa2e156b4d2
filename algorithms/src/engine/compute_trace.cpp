#include "dsgdlab/algorithms/engine/compute_trace.hpp"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

constexpr std::string_view kBlanks = " \t\r\v\f";

/// Parses one field as a positive finite number or throws FileFormatError for `line_number`.
double parse_factor(const std::filesystem::path& file, std::size_t line_number,
                    std::string_view text) {
  std::string_view digits = text;
  // from_chars rejects a leading '+'; accept exactly one, never "+-1" or "++1".
  if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-' && digits[1] != '+') {
    digits.remove_prefix(1);
  }
  double value = 0.0;
  const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                      std::chars_format::general);
  const bool whole_field = result.ec == std::errc() && result.ptr == digits.data() + digits.size();
  // from_chars reports out-of-range magnitudes (1e999, 1e-999) with result_out_of_range.
  if (result.ec == std::errc::result_out_of_range && result.ptr == digits.data() + digits.size()) {
    throw FileFormatError(file, line_number,
                          "value '" + std::string(text) + "' is out of the range of a double");
  }
  if (!whole_field || std::isnan(value)) {
    throw FileFormatError(file, line_number, "value '" + std::string(text) + "' is not a number");
  }
  if (!(value > 0.0)) {
    throw FileFormatError(file, line_number, "value " + std::string(text) + " must be positive");
  }
  if (!std::isfinite(value)) {
    throw FileFormatError(file, line_number, "value '" + std::string(text) + "' must be finite");
  }
  return value;
}

}  // namespace

std::vector<std::vector<double>> read_compute_trace(const std::filesystem::path& file,
                                                    int num_workers) {
  if (num_workers < 1) {
    throw invalid_option("compute trace num_workers", num_workers, "must be at least 1");
  }
  const std::string text = read_file(file);
  std::vector<std::vector<double>> factors;
  std::size_t line_number = 0;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    ++line_number;
    std::string_view line = std::string_view(text).substr(begin, end - begin);
    begin = end + 1;
    line = line.substr(0, line.find('#'));
    std::vector<double> values;
    std::size_t pos = 0;
    while ((pos = line.find_first_not_of(kBlanks, pos)) != std::string_view::npos) {
      std::size_t stop = line.find_first_of(kBlanks, pos);
      if (stop == std::string_view::npos) stop = line.size();
      values.push_back(parse_factor(file, line_number, line.substr(pos, stop - pos)));
      pos = stop;
    }
    if (!values.empty()) factors.push_back(std::move(values));
  }
  if (factors.size() != static_cast<std::size_t>(num_workers)) {
    throw FileFormatError(file, 0,
                          "has " + std::to_string(factors.size()) + " worker lines, the run has " +
                              std::to_string(num_workers) + " workers");
  }
  return factors;
}

}  // namespace dsgdlab
