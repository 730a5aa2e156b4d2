#include "toml_support.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab::toml_support {
namespace {

[[noreturn]] void wrong_type(const toml::node& node, const std::string& key,
                             std::string_view expected) {
  throw InputError(key + " (" + describe_node(node) + ") must be " + std::string(expected));
}

// Largest integer magnitude that a double holds exactly (2⁵³).
constexpr std::int64_t kMaxExactInteger = std::int64_t{1} << 53;

}  // namespace

std::size_t line_of(const toml::node& node) {
  return static_cast<std::size_t>(node.source().begin.line);
}

std::string describe_node(const toml::node& node) {
  if (const auto* v = node.as_integer()) return std::to_string(v->get());
  if (const auto* v = node.as_floating_point()) return toml_double(v->get());
  if (const auto* v = node.as_boolean()) return v->get() ? "true" : "false";
  if (const auto* v = node.as_string()) return toml_string(v->get());
  if (const auto* array = node.as_array()) {
    std::string text = "[";
    for (std::size_t i = 0; i < array->size(); ++i) {
      if (i > 0) text += ", ";
      if (i == 8) {
        text += "...";
        break;
      }
      text += describe_node(*array->get(i));
    }
    return text + "]";
  }
  if (node.is_table()) return "a table";
  return "a date or time";
}

std::int64_t read_integer(const toml::node& node, const std::string& key) {
  const auto* value = node.as_integer();
  if (value == nullptr) wrong_type(node, key, "an integer");
  return value->get();
}

int read_int(const toml::node& node, const std::string& key) {
  const std::int64_t value = read_integer(node, key);
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    throw invalid_option(key, value, "must fit in 32 bits");
  }
  return static_cast<int>(value);
}

std::uint64_t read_unsigned(const toml::node& node, const std::string& key) {
  const std::int64_t value = read_integer(node, key);
  if (value < 0) throw invalid_option(key, value, "must be non-negative");
  return static_cast<std::uint64_t>(value);
}

double read_number(const toml::node& node, const std::string& key) {
  if (const auto* value = node.as_floating_point()) return value->get();
  if (const auto* value = node.as_integer()) {
    const std::int64_t integer = value->get();
    if (integer > kMaxExactInteger || integer < -kMaxExactInteger) {
      throw invalid_option(key, integer,
                           "is too large to be a number exactly; write it as a float (1e18)");
    }
    return static_cast<double>(integer);
  }
  wrong_type(node, key, "a number");
}

bool read_bool(const toml::node& node, const std::string& key) {
  const auto* value = node.as_boolean();
  if (value == nullptr) wrong_type(node, key, "true or false");
  return value->get();
}

std::string read_string(const toml::node& node, const std::string& key) {
  const auto* value = node.as_string();
  if (value == nullptr) wrong_type(node, key, "a string");
  return value->get();
}

std::vector<std::int64_t> read_integer_array(const toml::node& node, const std::string& key) {
  const auto* array = node.as_array();
  if (array == nullptr) wrong_type(node, key, "an array of integers");
  std::vector<std::int64_t> values;
  values.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    values.push_back(read_integer(*array->get(i), key + "[" + std::to_string(i) + "]"));
  }
  return values;
}

std::vector<int> read_int_array(const toml::node& node, const std::string& key) {
  const auto* array = node.as_array();
  if (array == nullptr) wrong_type(node, key, "an array of integers");
  std::vector<int> values;
  values.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    values.push_back(read_int(*array->get(i), key + "[" + std::to_string(i) + "]"));
  }
  return values;
}

std::string toml_double(double value) {
  std::string text = format_double(value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // "n": nan, inf
  return text;
}

std::string toml_string(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

namespace {

template <typename T>
std::string integer_array_text(std::span<const T> values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(values[i]);
  }
  return text + "]";
}

}  // namespace

std::string toml_integer_array(std::span<const std::int64_t> values) {
  return integer_array_text(values);
}

std::string toml_integer_array(std::span<const int> values) { return integer_array_text(values); }

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // d[i][j] = distance between the first i characters of a and the first j of b.
  const std::size_t rows = a.size() + 1;
  const std::size_t cols = b.size() + 1;
  std::vector<std::size_t> d(rows * cols);
  const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
  for (std::size_t i = 0; i < rows; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j < cols; ++j) at(0, j) = j;
  for (std::size_t i = 1; i < rows; ++i) {
    for (std::size_t j = 1; j < cols; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(rows - 1, cols - 1);
}

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates) {
  const std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, word.size() / 3));
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(candidate);
    }
  }
  return best;
}

}  // namespace dsgdlab::toml_support
