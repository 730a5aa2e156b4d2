#pragma once

/// Result files. Every write is atomic: the content goes to a temporary file in the target's
/// directory, is flushed, and is renamed over the target, so a reader (or a resumed suite)
/// sees either the old file or the complete new one, never a half-written file.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dsgdlab {

/// Writes `content` to `path` atomically (temporary file + rename). Creates missing parent
/// directories. Throws std::runtime_error naming the path when the file system refuses.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// Reads a whole file; throws InputError naming the path if it cannot be read.
std::string read_file(const std::filesystem::path& path);

/// Shortest decimal text that reads back to the same double (std::to_chars), "nan", "inf",
/// "-inf". Byte-identical for identical bits, which makes traces comparable with cmp.
std::string format_double(double value);

/// A CSV cell: a number, an integer or a text.
using CsvCell = std::variant<double, std::int64_t, std::string>;

/// A table with a fixed header, filled row by row and written atomically. Texts are quoted
/// when they contain a comma, a quote, a line feed or a carriage return (RFC 4180).
class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> header);

  const std::vector<std::string>& header() const { return header_; }
  std::size_t num_rows() const { return rows_.size(); }
  const std::vector<CsvCell>& row(std::size_t i) const { return rows_.at(i); }

  /// Appends a row; throws std::invalid_argument if its width differs from the header's.
  void add_row(std::vector<CsvCell> row);

  std::string to_string() const;
  void write(const std::filesystem::path& path) const { write_file_atomically(path, to_string()); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<CsvCell>> rows_;
};

/// Writes `value` as indented JSON (two spaces, trailing newline) atomically. Non-finite
/// numbers, which JSON cannot hold, are written as null by nlohmann-json.
void write_json_atomically(const std::filesystem::path& path, const nlohmann::json& value);

/// Parses a JSON file; throws FileFormatError with the line of a syntax error.
nlohmann::json read_json(const std::filesystem::path& path);

}  // namespace dsgdlab
