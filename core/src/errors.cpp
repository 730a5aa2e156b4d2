#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

std::string format_file_error(const std::filesystem::path& file, std::size_t line,
                              std::string_view problem) {
  std::string message = file.string();
  if (line > 0) {
    message += ':';
    message += std::to_string(line);
  }
  message += ": ";
  message += problem;
  return message;
}

}  // namespace

FileFormatError::FileFormatError(const std::filesystem::path& file, std::size_t line,
                                 std::string_view problem)
    : InputError(format_file_error(file, line, problem)), file_(file), line_(line) {}

}  // namespace dsgdlab
