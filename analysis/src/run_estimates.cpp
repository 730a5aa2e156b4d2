#include "dsgdlab/analysis/run_estimates.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"

namespace dsgdlab {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

RandomStream run_stream(const RunSetup& setup, StreamPurpose purpose) {
  return RandomStream(StreamKey{.seed = setup.run.seed,
                                .run = setup.run.run_index,
                                .worker = StreamKey::kNoWorker,
                                .purpose = purpose});
}

std::vector<TrajectoryStatistic> trajectory_statistics(const RunResult& result) {
  std::vector<TrajectoryStatistic> statistics;
  for (std::size_t c = 0; c < result.extra_trace_columns.size(); ++c) {
    TrajectoryStatistic statistic{.column = result.extra_trace_columns[c],
                                  .mean = kNaN,
                                  .max = kNaN,
                                  .final = kNaN,
                                  .points = 0};
    double sum = 0.0;
    for (const TraceRow& row : result.trace) {
      const double value = row.extra.at(c);
      statistic.final = value;
      if (!std::isfinite(value)) continue;
      sum += value;
      statistic.max = statistic.points == 0 ? value : std::max(statistic.max, value);
      ++statistic.points;
    }
    if (statistic.points > 0) statistic.mean = sum / static_cast<double>(statistic.points);
    statistics.push_back(std::move(statistic));
  }
  return statistics;
}

const TrajectoryStatistic* find_statistic(const std::vector<TrajectoryStatistic>& statistics,
                                          std::string_view column) {
  for (const auto& statistic : statistics) {
    if (statistic.column == column) return &statistic;
  }
  return nullptr;
}

// Spectra of the run's gossip: W for D-PSGD; nominal and measured E[W] for AD-PSGD.
std::vector<SpectrumEstimate> run_spectra(const RunSetup& setup, const RunResult& result,
                                          const SpectralOptions& options) {
  std::vector<SpectrumEstimate> spectra;
  const int n = setup.problem->num_workers();
  if (setup.algorithm.kind == AlgorithmKind::kDpsgd) {
    const MixingSpectrum spectrum = mixing_spectrum(setup.mixing, options);
    spectra.push_back(
        {.matrix = "W", .spectrum = spectrum, .rho = dpsgd_rho(spectrum), .rho_bar = kNaN});
  } else if (setup.algorithm.kind == AlgorithmKind::kAdpsgd && setup.graph) {
    const Graph& graph = *setup.graph;
    const auto add = [&](std::string matrix, const std::vector<double>& pair_probabilities) {
      const MixingSpectrum spectrum =
          mixing_spectrum(adpsgd_expected_mixing(graph, pair_probabilities), options);
      const double rho = adpsgd_rho(spectrum);
      spectra.push_back({.matrix = std::move(matrix),
                         .spectrum = spectrum,
                         .rho = rho,
                         .rho_bar = adpsgd_rho_bar(rho, n)});
    };
    add("E[W] nominal", adpsgd_pair_probabilities(graph, setup.algorithm.pairing,
                                                  nominal_update_probabilities(setup.cost, n)));
    if (result.iterations > 0 && result.pair_counts.size() == graph.num_edges()) {
      // Edges that never averaged have π̂ = 0; if they cut the graph, E[W] measured is
      // reducible: λ_2 = 1 and ρ = 1 (no consensus guarantee from what was observed).
      std::vector<std::pair<int, int>> used;
      const auto edges = graph.edges();
      for (std::size_t e = 0; e < edges.size(); ++e) {
        if (result.pair_counts[e] > 0) used.push_back(edges[e]);
      }
      const Graph observed = Graph::from_edges(n, used);
      if (is_connected(observed)) {
        add("E[W] measured",
            measured_pair_probabilities(graph, result.pair_counts, result.iterations));
      } else {
        const MixingSpectrum unmixed{
            .num_workers = n,
            .second_largest = 1.0,
            .smallest = kNaN,
            .slem = 1.0,
            .spectral_gap = 0.0,
            .method = options.method,
            .iterations = 0,
            .residual = 0.0,
            .status = Status::failed(
                "not computed: the pairs averaged in this run leave the graph disconnected (" +
                describe_components(connected_components(observed)) + "), so ρ = 1")};
        spectra.push_back({.matrix = "E[W] measured",
                           .spectrum = unmixed,
                           .rho = 1.0,
                           .rho_bar = std::numeric_limits<double>::infinity()});
      }
    }
  }
  return spectra;
}

}  // namespace

const TrajectoryStatistic* find_trajectory_statistic(const RunEstimates& estimates,
                                                     std::string_view column) {
  return find_statistic(estimates.trajectory, column);
}

void EstimatorOptions::validate() const {
  trajectory.validate();
  smoothness.validate();
  optimum.validate();
  spectral.validate();
}

std::vector<double> nominal_update_probabilities(const CostModelOptions& cost, int num_workers) {
  std::vector<double> rates(static_cast<std::size_t>(num_workers), 1.0);
  for (const WorkerSlowdown& slow : cost.slow_workers) {
    rates.at(static_cast<std::size_t>(slow.worker)) = 1.0 / slow.factor;
  }
  double total = 0.0;
  for (const double rate : rates) total += rate;
  for (double& rate : rates) rate /= total;
  return rates;
}

RunEstimates estimate_run(const RunSetup& setup, const RunResult& result, ConstVectorRef x_0,
                          const TrajectoryProbe* probe, const EstimatorOptions& options) {
  options.validate();
  const Problem& problem = *setup.problem;
  RunEstimates estimates;
  estimates.trajectory = trajectory_statistics(result);

  // Points on the trajectory for L and f*: x_0 and, when finite, x̄_K.
  std::vector<Vector> points{Vector(x_0)};
  if (result.final_models.size() > 0 && result.final_models.allFinite()) {
    Vector mean(problem.dim());
    average_columns(result.final_models, mean);
    points.push_back(std::move(mean));
  }

  if (auto known = from_problem(problem.smoothness())) {
    estimates.smoothness = *known;
  } else {
    RandomStream rng = run_stream(setup, StreamPurpose::kSmoothnessEstimation);
    estimates.smoothness = estimate_smoothness(problem, points, rng, options.smoothness);
  }

  if (probe != nullptr && probe->noise_variance().count() > 0) {
    const NoiseVarianceEstimator& noise = probe->noise_variance();
    estimates.noise_variance_mean = noise.mean();
    estimates.noise_variance_mean_ci95 = noise.mean_ci95_half_width();
    estimates.noise_variance_max = noise.max();
    estimates.noise_variance_count = noise.count();
  } else {
    estimates.noise_variance_mean = estimates.noise_variance_mean_ci95 = kNaN;
    estimates.noise_variance_max = kNaN;
  }
  if (auto known = from_problem(problem.noise_variance())) {
    estimates.noise_variance = *known;
  } else {
    estimates.noise_variance = {
        .value = estimates.noise_variance_max,
        .source = ConstantSource::kEstimated,
        .method = estimates.noise_variance_count > 0
                      ? "largest of " + std::to_string(estimates.noise_variance_count) +
                            " per-worker estimates at the checkpoints x̄_t (" +
                            std::to_string(options.trajectory.noise_samples) +
                            " per-sample gradients each)"
                      : std::string("not measured (estimators.noise_samples = 0)")};
  }

  if (auto known = from_problem(problem.heterogeneity())) {
    estimates.heterogeneity = *known;
  } else if (const auto* zeta = find_statistic(estimates.trajectory, "heterogeneity");
             zeta != nullptr && zeta->points > 0) {
    estimates.heterogeneity = {.value = zeta->max,
                               .source = ConstantSource::kEstimated,
                               .method = "largest ζ²(x̄_t) over " + std::to_string(zeta->points) +
                                         " checkpoints (a lower bound on sup_x ζ²(x))"};
  } else {
    estimates.heterogeneity = {
        .value = kNaN, .source = ConstantSource::kEstimated, .method = "not measured"};
  }

  estimates.initial_loss = problem.loss(x_0);
  if (auto known = from_problem(problem.optimum_value())) {
    estimates.optimum_value = *known;
  } else {
    double best = std::numeric_limits<double>::infinity();
    for (const TraceRow& row : result.trace) {
      if (std::isfinite(row.loss)) best = std::min(best, row.loss);
    }
    // Start from x̄_K first: it is the closest point to a minimiser the run found.
    std::vector<Vector> starts(points.rbegin(), points.rend());
    estimates.optimum_value =
        estimate_optimum(problem, starts, estimates.smoothness.value, best, options.optimum);
  }
  estimates.initial_gap = {
      .value = estimates.initial_loss - estimates.optimum_value.value,
      .source = estimates.optimum_value.source == ConstantSource::kExact
                    ? ConstantSource::kExact
                    : ConstantSource::kEstimated,
      .method = "f(x_0) − f* with f* " + std::string(to_string(estimates.optimum_value.source))};

  estimates.spectra = run_spectra(setup, result, options.spectral);
  return estimates;
}

}  // namespace dsgdlab
