#pragma once

// Private to dsgdlab::experiments: reading a run configuration without the presence, usage
// and validation checks, for the suite expander, which must learn a run point's algorithm and
// problem before it can drop the [defaults] keys that point does not use.

#include <toml++/toml.h>

#include <filesystem>

#include "dsgdlab/experiments/run_config.hpp"

namespace dsgdlab {

/// Reads every table and key of `root` (unknown tables and keys, wrong types and bad values
/// still throw FileFormatError), without checking which are required or used.
RunConfig read_run_config_tables(const toml::table& root, const std::filesystem::path& file);

}  // namespace dsgdlab
