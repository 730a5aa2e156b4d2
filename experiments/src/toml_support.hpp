#pragma once

// Small helpers around toml++ for the configuration reader and writer (private to
// dsgdlab::experiments): typed reads whose errors name the key and the value, TOML text for
// values, and "did you mean" suggestions.

#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dsgdlab::toml_support {

/// The line (1-based) where a node starts; 0 when toml++ recorded no position.
std::size_t line_of(const toml::node& node);

/// A node's value as it would read in TOML: 3, 2.5, 1.0, inf, "text", true, an array
/// [1, 2], "a table".
std::string describe_node(const toml::node& node);

// Typed reads. Each throws InputError "KEY (VALUE) must be ..." naming the key and the value.
std::int64_t read_integer(const toml::node& node, const std::string& key);
/// An integer in [min, max] of the target type (int: 32 bits).
int read_int(const toml::node& node, const std::string& key);
/// A non-negative integer (seeds).
std::uint64_t read_unsigned(const toml::node& node, const std::string& key);
/// A float; an integer is accepted and converted exactly when it is at most 2⁵³ in magnitude.
double read_number(const toml::node& node, const std::string& key);
bool read_bool(const toml::node& node, const std::string& key);
std::string read_string(const toml::node& node, const std::string& key);
std::vector<std::int64_t> read_integer_array(const toml::node& node, const std::string& key);
std::vector<int> read_int_array(const toml::node& node, const std::string& key);

// TOML text of values (for config.toml): the shortest round-trip decimal form of a double
// with ".0" added to integral values so that it stays a float (1.0, 0.05, 1e+09, inf, -inf,
// nan); basic strings with escapes; integer arrays.
std::string toml_double(double value);
std::string toml_string(std::string_view text);
std::string toml_integer_array(std::span<const std::int64_t> values);
std::string toml_integer_array(std::span<const int> values);

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a likely typo (distance at
/// most max(1, min(3, |word|/3))); ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

}  // namespace dsgdlab::toml_support
