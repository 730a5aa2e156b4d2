#pragma once

/// A communication graph read from a text file, for topologies the generators do not cover
/// (a measured cluster network, a graph from another tool).

#include <filesystem>

#include "dsgdlab/algorithms/topology/graph.hpp"

namespace dsgdlab {

/// Reads an undirected edge list: one edge "u v" per line, 0-based worker ids separated by
/// blanks (spaces or tabs). '#' starts a comment that runs to the end of the line; blank
/// lines are skipped; "u v" and "v u" are the same edge. `num_workers` is n, or 0 to infer
/// n = largest id + 1 (workers above every listed id would be isolated, so they cannot be
/// inferred). Errors are FileFormatError "FILE:LINE: PROBLEM" for a token that is not an
/// integer, a line without exactly 2 fields, a negative id, an id ≥ num_workers, a self-loop,
/// and an edge given twice (naming the line of its first occurrence); a missing or unreadable
/// file is an InputError naming the path, a file without edges a FileFormatError at line 0
/// when num_workers = 0. Connectivity is not checked here (see require_connected).
Graph read_edge_list(const std::filesystem::path& file, int num_workers = 0);

}  // namespace dsgdlab
