#pragma once

/// Names and one-line descriptions of the problem zoo and the data tools, for `dsgdlab list`.

#include <span>

#include "dsgdlab/core/catalog.hpp"

namespace dsgdlab {

/// The problems, in the order `dsgdlab list` prints them.
std::span<const CatalogEntry> problem_catalog();

/// The non-IID partition schemes and data transforms for data-driven problems.
std::span<const CatalogEntry> partition_catalog();

}  // namespace dsgdlab
