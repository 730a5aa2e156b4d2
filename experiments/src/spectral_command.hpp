#pragma once

/// `dsgdlab spectral`: the spectrum of a topology's gossip matrix and the ρ constants of the
/// decentralized theorems (theory.md §4 "Spectral gap", §5), without running anything.
///
///   dsgdlab spectral --topology ring --workers 16 [--algorithm dpsgd|adpsgd] [--json]
///
/// D-PSGD: the mixing matrix W of `--mixing` on the graph; prints λ_2, λ_n, SLEM, the gap,
/// ρ = SLEM² and the corollary constants 1/(1 − ρ) and 1/(1 − √ρ)². AD-PSGD: the nominal
/// E[W] = I − ½L_π with uniform initiators and `--pairing`; prints the same spectrum, ρ = λ_2(E[W])
/// and ρ̄. Exit codes: 0, 2 for bad input (an InputError naming the option, value and rule,
/// thrown to the caller), 3 when the eigensolver did not converge (the numbers and the
/// solver's message are printed).

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace dsgdlab {

/// The command line of `dsgdlab spectral`. Topology parameters have the names of the run
/// configuration's [topology] keys (and [run] seed), with dashes.
struct SpectralCommandOptions {
  std::string topology;             ///< --topology, a topology_catalog() name
  int workers = 0;                  ///< --workers n
  std::string mixing;               ///< --mixing (dpsgd), empty = metropolis_hastings
  std::string algorithm = "dpsgd";  ///< --algorithm dpsgd | adpsgd
  std::string pairing;              ///< --pairing (adpsgd), empty = random
  std::string method = "auto";      ///< --method auto | dense | sparse
  int torus_rows = 0;               ///< --torus-rows
  double edge_probability = 0.3;    ///< --edge-probability
  int degree = 3;                   ///< --degree
  std::string edge_list_file;       ///< --edge-list-file
  std::uint64_t seed = 0;           ///< --seed (random topologies)
  double tolerance = 1e-10;         ///< --tolerance (sparse solver)
  int max_iterations = 1000;        ///< --max-iterations (sparse solver restarts)
  int krylov_dimension = 0;         ///< --krylov-dimension (sparse, 0 = automatic)
  bool json = false;                ///< --json
};

/// Adds the `spectral` subcommand with its options bound to `options`.
CLI::App* add_spectral_subcommand(CLI::App& app, SpectralCommandOptions& options);

/// Computes and prints the spectrum; returns the exit code (0, or 3 when the solver did not
/// converge). Throws InputError for bad options, a topology that cannot be built, or a
/// disconnected graph.
int run_spectral_command(const SpectralCommandOptions& options, std::ostream& out);

}  // namespace dsgdlab
