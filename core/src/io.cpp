#include "dsgdlab/core/io.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

std::filesystem::path temporary_path_for(const std::filesystem::path& path) {
  static std::atomic<std::uint64_t> counter{0};
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp.";
  name += std::to_string(::getpid());
  name += '.';
  name += std::to_string(counter.fetch_add(1));
  return path.parent_path() / name;
}

void append_csv_text(std::string& out, const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  std::error_code ec;
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      throw std::runtime_error("cannot create directory " + path.parent_path().string() + ": " +
                               ec.message());
    }
  }
  const auto temporary = temporary_path_for(path);
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    throw std::runtime_error("cannot write " + temporary.string() + ": " +
                             std::generic_category().message(errno));
  }
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size() &&
                       std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const int write_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error("cannot write " + path.string() + ": " +
                             std::generic_category().message(write_errno));
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw std::runtime_error("cannot rename " + temporary.string() + " to " + path.string() + ": " +
                             ec.message());
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string() + ": cannot open file for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(path.string() + ": read error");
  return buffer.str();
}

std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

CsvTable::CsvTable(std::vector<std::string> header) : header_(std::move(header)) {
  if (header_.empty()) throw std::invalid_argument("CsvTable: the header must have a column");
}

void CsvTable::add_row(std::vector<CsvCell> row) {
  if (row.size() != header_.size()) {
    throw std::invalid_argument("CsvTable::add_row: row has " + std::to_string(row.size()) +
                                " cells, header has " + std::to_string(header_.size()));
  }
  rows_.push_back(std::move(row));
}

std::string CsvTable::to_string() const {
  std::string out;
  for (std::size_t c = 0; c < header_.size(); ++c) {
    if (c > 0) out += ',';
    append_csv_text(out, header_[c]);
  }
  out += '\n';
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) out += ',';
      if (const auto* number = std::get_if<double>(&row[c])) {
        out += format_double(*number);
      } else if (const auto* integer = std::get_if<std::int64_t>(&row[c])) {
        out += std::to_string(*integer);
      } else {
        append_csv_text(out, std::get<std::string>(row[c]));
      }
    }
    out += '\n';
  }
  return out;
}

void write_json_atomically(const std::filesystem::path& path, const nlohmann::json& value) {
  write_file_atomically(path, value.dump(2) + "\n");
}

nlohmann::json read_json(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    // Translate the byte offset nlohmann reports into a 1-based line number.
    const std::size_t offset = std::min<std::size_t>(error.byte, text.size());
    const auto line = static_cast<std::size_t>(
        std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n') + 1);
    throw FileFormatError(path, line, std::string("invalid JSON: ") + error.what());
  }
}

}  // namespace dsgdlab
