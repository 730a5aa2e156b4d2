#pragma once

#include <string_view>

namespace dsgdlab {

/// A named, documented choice (a problem, a topology, a mixing rule, a grouping, ...) as
/// `dsgdlab list` prints it.
struct CatalogEntry {
  std::string_view name;
  std::string_view description;
};

}  // namespace dsgdlab
