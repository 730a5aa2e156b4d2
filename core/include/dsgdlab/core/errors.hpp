#pragma once

/// Errors for bad input. Runtime outcomes of a run are a Status (status.hpp), never exceptions.

#include <charconv>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dsgdlab {

/// Bad input from a user: an option value, a file, a command-line argument. The CLI maps it to
/// exit code 2. The message names the field (or file and line), the value and the rule.
class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A malformed input file. The message reads "FILE:LINE: PROBLEM" with a 1-based LINE, or
/// "FILE: PROBLEM" when the problem concerns the whole file (line() is then 0).
class FileFormatError : public InputError {
 public:
  FileFormatError(const std::filesystem::path& file, std::size_t line, std::string_view problem);

  const std::filesystem::path& file() const { return file_; }
  std::size_t line() const { return line_; }

 private:
  std::filesystem::path file_;
  std::size_t line_;
};

/// Formats a value for an error message: floating-point numbers in the shortest text that
/// reads back to the same value (0.1, not 0.10000000000000001), strings quoted.
template <typename T>
std::string describe_value(const T& value) {
  if constexpr (std::is_convertible_v<T, std::string_view>) {
    return '"' + std::string(std::string_view(value)) + '"';
  } else if constexpr (std::is_floating_point_v<T>) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    return std::string(buffer, result.ptr);
  } else {
    std::ostringstream out;
    out << value;
    return out.str();
  }
}

/// The error an options struct's validate() throws: "FIELD (VALUE) RULE", for example
/// `invalid_option("hsgd.global_period", 10, "must be a multiple of hsgd.local_period (4)")`.
template <typename T>
InputError invalid_option(std::string_view field, const T& value, std::string_view rule) {
  std::string message(field);
  message += " (";
  message += describe_value(value);
  message += ") ";
  message += rule;
  return InputError(message);
}

}  // namespace dsgdlab
