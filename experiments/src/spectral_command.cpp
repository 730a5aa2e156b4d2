#include "spectral_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dsgdlab/algorithms/algorithm_options.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/analysis/estimators/spectral.hpp"
#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/experiments/cli.hpp"
#include "dsgdlab/experiments/result_files.hpp"

namespace dsgdlab {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// The library's messages name the run configuration's fields; the command line's options
/// have other names. Replaces the first by the second in an InputError's message.
std::string with_option_names(std::string message) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kNames{
      {"topology.num_workers", "--workers"},
      {"topology.torus_rows", "--torus-rows"},
      {"topology.edge_probability", "--edge-probability"},
      {"topology.degree", "--degree"},
      {"topology.edge_list_file", "--edge-list-file"},
      {"topology.max_attempts", "topology max_attempts"},
      {"topology.kind", "--topology"},
      {"topology.mixing", "--mixing"},
      {"algorithm.pairing", "--pairing"},
      {"spectral.method", "--method"},
      {"spectral.tolerance", "--tolerance"},
      {"spectral.max_iterations", "--max-iterations"},
      {"spectral.krylov_dimension", "--krylov-dimension"},
  };
  for (const auto& [field, option] : kNames) {
    for (std::size_t at = message.find(field); at != std::string::npos;
         at = message.find(field, at + option.size())) {
      message.replace(at, field.size(), option);
    }
  }
  return message;
}

/// Runs `body`, rethrowing an InputError with the command line's option names.
template <typename Body>
auto with_options(Body&& body) {
  try {
    return body();
  } catch (const InputError& error) {
    throw InputError(with_option_names(error.what()));
  }
}

std::string known_names(std::span<const CatalogEntry> catalog) {
  std::string names;
  for (const auto& entry : catalog) {
    if (!names.empty()) names += ", ";
    names += entry.name;
  }
  return names;
}

void check_options(const SpectralCommandOptions& options) {
  bool known_topology = false;
  for (const auto& entry : topology_catalog()) known_topology |= entry.name == options.topology;
  if (!known_topology) {
    throw invalid_option("--topology", options.topology,
                         "is not a known topology (" + known_names(topology_catalog()) + ")");
  }
  if (options.workers < 1 && !(options.topology == "edge_list" && options.workers == 0)) {
    throw invalid_option("--workers", options.workers, "must be at least 1");
  }
  if (options.algorithm != "dpsgd" && options.algorithm != "adpsgd") {
    throw invalid_option("--algorithm", options.algorithm,
                         "must be dpsgd or adpsgd (the algorithms whose theorems use ρ)");
  }
  if (options.algorithm == "dpsgd" && !options.pairing.empty()) {
    throw invalid_option("--pairing", options.pairing,
                         "is only used with --algorithm adpsgd (AD-PSGD partner selection)");
  }
  if (options.algorithm == "adpsgd" && !options.mixing.empty()) {
    throw invalid_option("--mixing", options.mixing,
                         "is only used with --algorithm dpsgd (AD-PSGD averages pairs; its "
                         "matrix is E[W] = I − ½L_π)");
  }
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.12g", value);
  return buffer;
}

/// Pads a label to `width` columns: code points count once (λ, ρ) and combining marks
/// (U+0300..U+036F, lead bytes 0xCC and 0xCD, as in ρ̄) not at all.
std::string pad(std::string_view label, std::size_t width) {
  std::size_t characters = 0;
  for (const char c : label) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80 && byte != 0xCC && byte != 0xCD) ++characters;
  }
  std::string padded(label);
  if (characters < width) padded.append(width - characters, ' ');
  return padded;
}

}  // namespace

CLI::App* add_spectral_subcommand(CLI::App& app, SpectralCommandOptions& options) {
  auto* command = app.add_subcommand(
      "spectral",
      "Spectrum of a topology's gossip matrix: λ_2, λ_n, SLEM, spectral gap, ρ (and the D-PSGD "
      "constants or AD-PSGD's ρ̄)");
  command->add_option("--topology", options.topology, "Topology kind (dsgdlab list topologies)")
      ->required();
  command->add_option("--workers", options.workers, "Number of workers n")->required();
  command
      ->add_option("--algorithm", options.algorithm,
                   "dpsgd (W, ρ = SLEM²) or adpsgd (E[W], ρ = λ_2(E[W]))")
      ->capture_default_str();
  command->add_option("--mixing", options.mixing,
                      "dpsgd: mixing rule (dsgdlab list mixing); default metropolis_hastings");
  command->add_option("--pairing", options.pairing,
                      "adpsgd: partner selection, random or bipartite; default random");
  command->add_option("--method", options.method, "Eigensolver: auto, dense or sparse")
      ->capture_default_str();
  command
      ->add_option("--torus-rows,--torus_rows", options.torus_rows,
                   "torus: rows (must divide n); 0 = most square")
      ->capture_default_str();
  command
      ->add_option("--edge-probability,--edge_probability", options.edge_probability,
                   "erdos_renyi: edge probability p")
      ->capture_default_str();
  command->add_option("--degree", options.degree, "random_regular: degree")->capture_default_str();
  command->add_option("--edge-list-file,--edge_list_file", options.edge_list_file,
                      "edge_list: the file of edges \"u v\"");
  command
      ->add_option("--seed", options.seed,
                   "Seed of random topologies (the same graph as a run with this [run] seed)")
      ->capture_default_str();
  command->add_option("--tolerance", options.tolerance, "Sparse solver: relative tolerance")
      ->capture_default_str();
  command
      ->add_option("--max-iterations,--max_iterations", options.max_iterations,
                   "Sparse solver: Lanczos restarts allowed")
      ->capture_default_str();
  command
      ->add_option("--krylov-dimension,--krylov_dimension", options.krylov_dimension,
                   "Sparse solver: Lanczos basis size (0 = min(n − 1, 20))")
      ->capture_default_str();
  command->add_flag("--json", options.json, "Print JSON instead of a table");
  return command;
}

int run_spectral_command(const SpectralCommandOptions& options, std::ostream& out) {
  check_options(options);
  const bool dpsgd = options.algorithm == "dpsgd";
  const SpectralOptions spectral{
      .method = with_options([&] { return parse_eigen_method(options.method, "--method"); }),
      .tolerance = options.tolerance,
      .max_iterations = options.max_iterations,
      .krylov_dimension = options.krylov_dimension};
  with_options([&] { spectral.validate(); });

  TopologyOptions topology{.kind = options.topology,
                           .num_workers = options.workers,
                           .torus_rows = options.torus_rows,
                           .edge_probability = options.edge_probability,
                           .degree = options.degree,
                           .edge_list_file = options.edge_list_file,
                           .seed = options.seed};
  const Graph graph = with_options([&] { return make_graph(topology); });
  const int n = graph.num_vertices();

  std::string matrix_name;
  std::string setting;
  SparseMatrix matrix;
  const std::string mixing = options.mixing.empty() ? "metropolis_hastings" : options.mixing;
  const std::string pairing = options.pairing.empty() ? "random" : options.pairing;
  if (dpsgd) {
    matrix_name = "W";
    setting = "mixing " + mixing;
    matrix =
        with_options([&] { return mixing_matrix(graph, parse_mixing_rule(mixing, "--mixing")); });
  } else {
    matrix_name = "E[W] nominal";
    setting = "pairing " + pairing + ", uniform initiators";
    const PairingMode mode = with_options([&] { return parse_pairing_mode(pairing, "--pairing"); });
    matrix = with_options(
        [&] { return adpsgd_expected_mixing(graph, adpsgd_pair_probabilities(graph, mode, {})); });
  }
  const MixingSpectrum spectrum = with_options([&] { return mixing_spectrum(matrix, spectral); });

  // D-PSGD: ρ = SLEM², 1 − √ρ = gap and 1 − ρ = gap·(2 − gap), from the gap in relative
  // precision. AD-PSGD: ρ = λ_2(E[W]).
  const double gap = spectrum.spectral_gap;
  const double rho = dpsgd ? dpsgd_rho(spectrum) : adpsgd_rho(spectrum);
  const double inverse_one_minus_rho = gap > 0.0 ? 1.0 / (gap * (2.0 - gap)) : kInfinity;
  const double inverse_gap_squared = gap > 0.0 ? 1.0 / (gap * gap) : kInfinity;
  const double rho_bar = dpsgd || !std::isfinite(rho)
                             ? std::numeric_limits<double>::quiet_NaN()
                             : adpsgd_rho_bar(std::clamp(rho, 0.0, 1.0), n);

  if (options.json) {
    nlohmann::json json = mixing_spectrum_json(spectrum);
    json["topology"] = options.topology;
    json["workers"] = n;
    json["edges"] = graph.num_edges();
    json["algorithm"] = options.algorithm;
    json["matrix"] = matrix_name;
    json["rho"] = rho;
    if (dpsgd) {
      json["mixing"] = mixing;
      json["inverse_one_minus_rho"] = inverse_one_minus_rho;
      json["inverse_one_minus_sqrt_rho_squared"] = inverse_gap_squared;
    } else {
      json["pairing"] = pairing;
      json["rho_bar"] = rho_bar;
    }
    out << json.dump(2) << '\n';
  } else {
    std::vector<std::pair<std::string, std::string>> rows{
        {"n", std::to_string(n)},
        {"method", std::string(to_string(spectrum.method))},
        {"λ_2", format_number(spectrum.second_largest)},
        {"λ_n", format_number(spectrum.smallest)},
        {"SLEM", format_number(spectrum.slem)},
        {"spectral gap", format_number(spectrum.spectral_gap)}};
    if (dpsgd) {
      rows.emplace_back("ρ = SLEM²", format_number(rho));
      rows.emplace_back("1/(1 − ρ)", format_number(inverse_one_minus_rho));
      rows.emplace_back("1/(1 − √ρ)²", format_number(inverse_gap_squared));
    } else {
      rows.emplace_back("ρ = λ_2(E[W])", format_number(rho));
      rows.emplace_back("ρ̄", format_number(rho_bar));
    }
    rows.emplace_back("solver", spectrum.status.to_string() + " (" +
                                    std::to_string(spectrum.iterations) + " restarts, residual " +
                                    format_number(spectrum.residual) + ")");
    out << options.topology << ", " << n << " workers, " << graph.num_edges() << " edges; "
        << options.algorithm << ", " << matrix_name << ", " << setting << '\n';
    for (const auto& [label, value] : rows) out << "  " << pad(label, 14) << "  " << value << '\n';
  }
  return spectrum.status.is_ok() ? kExitSuccess : kExitRunFailed;
}

}  // namespace dsgdlab
