// Wall time per iteration of the mpi engine against the threads engine (issue 8, item 6):
// AllReduce-SGD and D-PSGD (ring, Metropolis–Hastings) with 4 workers on the `quadratic`
// problem, at d = 10³ (about 50 µs of arithmetic per round, so each round's synchronisation
// shows) and d = 10⁵ (about 5 ms of arithmetic per round and 800 kB models to move). `threads` runs
// 4 threads inside rank 0; `mpi` runs rank 0 as the coordinator and ranks 1..4 as the workers, so
// the program needs exactly 5 ranks:
//
//   mpirun --oversubscribe -np 5 build/experiments/bench_mpi_engine [--repetitions=R]
//                                                                    [--filter=REGEX]
//
// Google Benchmark does not fit under mpirun (its adaptive iteration counts would differ per
// rank and deadlock the collectives), so this is a plain timed program. Every rank runs the same
// sequence of cases and variants; the iteration counts are decided on rank 0 and broadcast.
// For each case the variants run interleaved, R times (default 5, or DSGDLAB_BENCH_REPETITIONS):
// a serial reference loop on rank 0 (the same gradients and averaging, one after the other),
// the threads engine on rank 0, then the mpi engine on all ranks (ordered averaging; for
// AllReduce-SGD also MPI_Allreduce averaging). While rank 0 works alone the other ranks wait in
// an MPI_Ibarrier polled every 5 ms with a sleep in between: Open MPI's blocking waits
// spin and would take the CPU from rank 0's threads.
//
// Rank 0 prints the medians over the repetitions (seconds per iteration = wall_time_s /
// iterations, probes off), the ratio mpi/threads of the medians, the mpi workers' time
// breakdown (RunResult::time_breakdown, as percentages of the run's wall time), and one JSON
// object per case on a line of its own (lines starting with '{'), which scripts/bench parses.
// docs/benchmarks.md ("mpi vs threads") explains the figures. Exit codes: 0, 2 on bad arguments
// or a world size other than 5.

#include <mpi.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dsgdlab/algorithms/engine/mpi_engine.hpp"
#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/update_rules.hpp"
#include "dsgdlab/core/random.hpp"
#include "dsgdlab/problems/quadratic.hpp"

namespace dsgdlab {
namespace {

constexpr int kWorkers = 4;
constexpr int kRanks = kWorkers + 1;  // mpi_ranks_needed(kWorkers): a coordinator + the workers
constexpr int kRoot = 0;
constexpr int kDefaultRepetitions = 5;
constexpr int kBatch = 1;  // quadratic: the batch only scales the noise, not the work
constexpr double kStep = 0.05;
/// Each timed run lasts about this long (iterations chosen per variant by calibration).
constexpr double kTargetRunTimeS = 0.4;
/// Calibration doubles the iterations, starting here, until a run takes kCalibrationMinS.
constexpr std::int64_t kCalibrationStartIterations = 8;
constexpr double kCalibrationMinS = 0.1;
constexpr std::int64_t kMinIterations = 20;
constexpr std::int64_t kMaxIterations = 1'000'000;
/// How often a rank waiting for rank 0's solo work tests its MPI_Ibarrier.
constexpr auto kPollInterval = std::chrono::milliseconds(5);

/// What runs: a serial reference loop or an engine.
enum class Variant {
  kSerial,        ///< rank 0 alone: the iteration's gradients and averaging, one after another
  kThreads,       ///< run_threads on rank 0: 4 worker threads
  kMpiOrdered,    ///< run_mpi on 5 ranks, MpiAveraging::kOrdered
  kMpiAllreduce,  ///< run_mpi on 5 ranks, MpiAveraging::kAllreduce (AllReduce-SGD only)
};

/// The variant's name in the table and the JSON: D-PSGD's mpi run is "mpi" (it gossips with
/// MPI_Neighbor_allgatherv whatever MpiEngineOptions::averaging says).
std::string_view label(Variant variant, AlgorithmKind kind) {
  switch (variant) {
    case Variant::kSerial: return "serial";
    case Variant::kThreads: return "threads";
    case Variant::kMpiOrdered: return kind == AlgorithmKind::kDpsgd ? "mpi" : "mpi_ordered";
    case Variant::kMpiAllreduce: return "mpi_allreduce";
  }
  return "?";
}

bool on_all_ranks(Variant variant) {
  return variant == Variant::kMpiOrdered || variant == Variant::kMpiAllreduce;
}

struct Case {
  std::string name;  ///< "BM_MpiAllreduceSgd/1000": matched by --filter
  AlgorithmKind kind = AlgorithmKind::kAllreduceSgd;
  Index dim = 0;
  std::vector<Variant> variants;
};

/// One timed run, on rank 0.
struct Sample {
  double time_per_iteration_s = 0.0;
  /// Fractions of the run's wall time: mpi: the workers' compute, communication and
  /// coordination (RunResult::time_breakdown); serial: gradients (+ AllReduce-SGD's local
  /// steps), then averaging or mixing (+ D-PSGD's steps). NaN where there is nothing (threads).
  std::array<double, 3> fractions{std::numeric_limits<double>::quiet_NaN(),
                                  std::numeric_limits<double>::quiet_NaN(),
                                  std::numeric_limits<double>::quiet_NaN()};
  /// CPU time of all 5 processes during the run and its closing barrier / that wall time on
  /// rank 0: the cores the run kept busy (at most 2 here), busy-waiting included.
  double cores_used = 0.0;
  /// The same for rank 0 alone (the threads or serial run; on mpi the coordinator).
  double rank0_cores_used = 0.0;
};

/// CPU time of this process (all its threads), user + system.
double process_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// Busy and total jiffies of the whole machine (first line of /proc/stat); {0, 0} when
/// unreadable.
std::array<double, 2> machine_ticks() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  std::array<double, 8> fields{};
  stat >> cpu;
  for (double& field : fields) stat >> field;
  if (!stat) return {0.0, 0.0};
  const double total = std::accumulate(fields.begin(), fields.end(), 0.0);
  return {total - fields[3] - fields[4], total};  // minus idle and iowait
}

/// Collective: the CPU time of all ranks together, on rank 0.
double all_ranks_cpu_s() {
  const double mine = process_cpu_s();
  double sum = 0.0;
  MPI_Reduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  return sum;
}

/// How many cores processes other than this job's 5 took during a stretch of the benchmark
/// (as scripts/bench's "other processes used" line). Collective.
class LoadMeter {
 public:
  LoadMeter() : ticks_(machine_ticks()), cpu_s_(all_ranks_cpu_s()) {}

  /// Average cores used by other processes since construction (NaN without /proc/stat); rank 0.
  double other_cores() const {
    const std::array<double, 2> ticks = machine_ticks();
    const double cpu_s = all_ranks_cpu_s();
    const double wall_s = seconds_since(start_);
    const double total = ticks[1] - ticks_[1];
    if (ticks[1] == 0.0 || total <= 0.0) return std::numeric_limits<double>::quiet_NaN();
    const double busy_cores = kCpus * (ticks[0] - ticks_[0]) / total;
    return std::max(busy_cores - (cpu_s - cpu_s_) / wall_s, 0.0);
  }

  static inline const double kCpus = std::thread::hardware_concurrency();

 private:
  static double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::array<double, 2> ticks_;
  double cpu_s_;
};

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

/// Joins every rank at a barrier without spinning: MPI_Ibarrier, then MPI_Test with short sleeps
/// (a blocking MPI_Barrier spins in Open MPI and would compete with rank 0's worker threads).
void wait_quietly() {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  int done = 0;
  for (;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done != 0) return;
    std::this_thread::sleep_for(kPollInterval);
  }
}

/// The quadratic problem with 4 workers in dimension `dim`, built once per dimension (on every
/// rank: the instance is a pure function of its options, so all ranks hold the same one).
const QuadraticProblem& problem(Index dim) {
  static std::map<Index, std::unique_ptr<QuadraticProblem>> instances;
  auto& instance = instances[dim];
  if (!instance) {
    QuadraticOptions options;
    options.dim = dim;
    options.num_workers = kWorkers;
    instance = std::make_unique<QuadraticProblem>(options);
  }
  return *instance;
}

RunSetup setup_for(const Case& c, std::int64_t iterations) {
  RunSetup setup;
  setup.problem = &problem(c.dim);
  setup.algorithm.kind = c.kind;
  setup.algorithm.step.initial = kStep;
  setup.algorithm.batch_size = kBatch;
  setup.graph = ring(kWorkers);
  setup.mixing = mixing_matrix(*setup.graph, MixingRule::kMetropolisHastings);
  setup.run.iterations = iterations;
  setup.run.probe.every_iterations = 0;
  setup.run.probe.every_virtual_time_s = 0.0;
  setup.run.probe.running_average_every = 0;
  return setup;
}

double seconds_between(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

/// The arithmetic of `iterations` rounds on the calling thread, without an engine: every
/// worker's stochastic gradient and (AllReduce-SGD) local step, then the average of all models
/// (AllReduce-SGD) or every worker's mixing and step (D-PSGD), as sim orders them.
Sample run_serial(const RunSetup& setup) {
  const Problem& p = *setup.problem;
  const Index d = p.dim();
  const bool gossip = setup.algorithm.kind == AlgorithmKind::kDpsgd;
  Matrix models = p.initial_point().replicate(1, kWorkers);
  Matrix mixed(d, kWorkers);
  Matrix gradients(d, kWorkers);
  Vector scratch(d);
  std::vector<int> members(kWorkers);
  std::iota(members.begin(), members.end(), 0);
  std::vector<RandomStream> sampling;
  for (int i = 0; i < kWorkers; ++i) {
    sampling.emplace_back(StreamKey{
        .seed = 0, .worker = static_cast<std::uint64_t>(i), .purpose = StreamPurpose::kSampling});
  }
  double gradients_s = 0.0;
  double averaging_s = 0.0;
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t k = 0; k < setup.run.iterations; ++k) {
    const auto round_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kWorkers; ++i) {
      p.stochastic_gradient(i, models.col(i), kBatch, sampling[static_cast<std::size_t>(i)],
                            gradients.col(i));
      if (!gossip) sgd_step(models.col(i), gradients.col(i), kStep);
    }
    const auto averaging_start = std::chrono::steady_clock::now();
    if (gossip) {
      for (int i = 0; i < kWorkers; ++i) {
        mix_worker(setup.mixing, i, models, mixed.col(i));
        sgd_step(mixed.col(i), gradients.col(i), kStep);
      }
      models.swap(mixed);
    } else {
      average_members(models, members, scratch);
    }
    const auto round_end = std::chrono::steady_clock::now();
    gradients_s += seconds_between(round_start, averaging_start);
    averaging_s += seconds_between(averaging_start, round_end);
  }
  const double total_s = seconds_between(start, std::chrono::steady_clock::now());
  if (!models.allFinite()) std::fprintf(stderr, "bench_mpi_engine: serial loop diverged\n");
  Sample sample;
  sample.time_per_iteration_s = total_s / static_cast<double>(setup.run.iterations);
  sample.fractions = {gradients_s / total_s, averaging_s / total_s,
                      std::numeric_limits<double>::quiet_NaN()};
  return sample;
}

Sample from_result(const RunResult& result) {
  Sample sample;
  sample.time_per_iteration_s = result.wall_time_s / static_cast<double>(result.iterations);
  if (result.time_breakdown) {
    const WorkerTimeBreakdown& times = *result.time_breakdown;
    sample.fractions = {times.compute_s / result.wall_time_s,
                        times.communication_s / result.wall_time_s,
                        times.coordination_s / result.wall_time_s};
  }
  if (!result.status.is_ok()) {
    std::fprintf(stderr, "bench_mpi_engine: run ended early: %s\n",
                 result.status.to_string().c_str());
  }
  return sample;
}

/// Runs `variant` for `iterations` rounds; collective over MPI_COMM_WORLD. The sample is
/// meaningful on rank 0 only.
Sample run_variant(const Case& c, Variant variant, std::int64_t iterations) {
  const RunSetup setup = setup_for(c, iterations);
  Sample sample;
  const double cpu_start_s = process_cpu_s();
  const auto start = std::chrono::steady_clock::now();
  if (on_all_ranks(variant)) {
    MpiEngineOptions options;
    options.averaging =
        variant == Variant::kMpiOrdered ? MpiAveraging::kOrdered : MpiAveraging::kAllreduce;
    const std::optional<RunResult> result = run_mpi(setup, options);
    if (result) sample = from_result(*result);
  } else if (world_rank() == kRoot) {
    sample = variant == Variant::kSerial ? run_serial(setup) : from_result(run_threads(setup));
  }
  // Measured after the closing barrier (at most a poll interval later), so that the CPU time
  // the other ranks spend waiting for rank 0's solo runs counts. Only rank 0's wall time is used.
  wait_quietly();
  const double wall_s = seconds_between(start, std::chrono::steady_clock::now());
  const double cpu_s = process_cpu_s() - cpu_start_s;
  std::vector<double> cpu_per_rank_s(kRanks, 0.0);
  MPI_Gather(&cpu_s, 1, MPI_DOUBLE, cpu_per_rank_s.data(), 1, MPI_DOUBLE, kRoot, MPI_COMM_WORLD);
  sample.cores_used = std::accumulate(cpu_per_rank_s.begin(), cpu_per_rank_s.end(), 0.0) / wall_s;
  sample.rank0_cores_used = cpu_per_rank_s[0] / wall_s;
  return sample;
}

/// Iterations for a ~kTargetRunTimeS run of `variant`: doubles from kCalibrationStartIterations
/// until a run takes kCalibrationMinS, then scales; decided on rank 0 and broadcast.
std::int64_t calibrate(const Case& c, Variant variant) {
  std::int64_t iterations = kCalibrationStartIterations;
  for (;;) {
    const Sample sample = run_variant(c, variant, iterations);
    // decision[0]: 1 when calibrated; decision[1]: the next (or final) iteration count.
    std::int64_t decision[2] = {0, 2 * iterations};
    if (world_rank() == kRoot) {
      const double run_s = sample.time_per_iteration_s * static_cast<double>(iterations);
      if (run_s >= kCalibrationMinS || iterations >= kMaxIterations) {
        decision[0] = 1;
        decision[1] = std::clamp(
            static_cast<std::int64_t>(std::llround(kTargetRunTimeS / sample.time_per_iteration_s)),
            kMinIterations, kMaxIterations);
      }
    }
    MPI_Bcast(decision, 2, MPI_INT64_T, kRoot, MPI_COMM_WORLD);
    if (decision[0] != 0) return decision[1];
    iterations = decision[1];
  }
}

double median(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

/// Medians over the repetitions of one variant.
struct Summary {
  std::int64_t iterations = 0;
  double time_per_iteration_s = 0.0;
  std::array<double, 3> fractions{};
  double cores_used = 0.0;
  double rank0_cores_used = 0.0;
};

Summary summarise(const std::vector<Sample>& samples, std::int64_t iterations) {
  const auto median_of = [&](const auto& field) {
    std::vector<double> values;
    for (const Sample& sample : samples) values.push_back(field(sample));
    return median(values);
  };
  Summary summary;
  summary.iterations = iterations;
  summary.time_per_iteration_s = median_of([](const Sample& s) { return s.time_per_iteration_s; });
  for (std::size_t f = 0; f < 3; ++f) {
    summary.fractions[f] = median_of([f](const Sample& s) { return s.fractions[f]; });
  }
  summary.cores_used = median_of([](const Sample& s) { return s.cores_used; });
  summary.rank0_cores_used = median_of([](const Sample& s) { return s.rank0_cores_used; });
  return summary;
}

std::string json_number(double value) {
  if (!std::isfinite(value)) return "null";
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

/// "  42%" or "    -" for NaN.
std::string percent(double fraction) {
  if (std::isnan(fraction)) return "    -";
  char text[16];
  std::snprintf(text, sizeof text, "%4.0f%%", 100 * fraction);
  return text;
}

void print_case(const Case& c, const std::map<Variant, Summary>& summaries, int repetitions,
                double other_cores) {
  const double threads_s = summaries.at(Variant::kThreads).time_per_iteration_s;
  const char* algorithm = c.kind == AlgorithmKind::kDpsgd ? "dpsgd" : "allreduce_sgd";
  std::printf(
      "%s (%s, %d workers, ring, d = %lld): medians of %d repetitions; other processes "
      "used %.2f of %.0f cores%s\n",
      c.name.c_str(), algorithm, kWorkers, static_cast<long long>(c.dim), repetitions, other_cores,
      LoadMeter::kCpus, other_cores > 0.2 ? " (ratios unreliable)" : "");
  std::printf("  %-14s %11s %9s %9s %6s %7s %8s %8s %8s\n", "variant", "us/iteration", "its/run",
              "/threads", "cores", "rank 0", "compute", "comm", "coord");
  std::string json = "{\"name\":\"" + c.name + "\",\"algorithm\":\"" + algorithm +
                     "\",\"dim\":" + std::to_string(c.dim) +
                     ",\"workers\":" + std::to_string(kWorkers) +
                     ",\"repetitions\":" + std::to_string(repetitions) +
                     ",\"other_load_cores\":" + json_number(other_cores);
  for (const Variant variant : c.variants) {
    const Summary& s = summaries.at(variant);
    const double ratio = s.time_per_iteration_s / threads_s;
    std::printf("  %-14s %11.1f %9lld %9.3f %6.2f %7.2f %8s %8s %8s\n",
                std::string(label(variant, c.kind)).c_str(), s.time_per_iteration_s * 1e6,
                static_cast<long long>(s.iterations), ratio, s.cores_used, s.rank0_cores_used,
                percent(s.fractions[0]).c_str(), percent(s.fractions[1]).c_str(),
                percent(s.fractions[2]).c_str());
    json += ",\"" + std::string(label(variant, c.kind)) +
            "\":{\"s_per_iteration\":" + json_number(s.time_per_iteration_s) +
            ",\"iterations\":" + std::to_string(s.iterations) +
            ",\"ratio_to_threads\":" + json_number(ratio) +
            ",\"cores_used\":" + json_number(s.cores_used) +
            ",\"rank0_cores_used\":" + json_number(s.rank0_cores_used);
    if (variant == Variant::kSerial) {
      json += ",\"gradient_fraction\":" + json_number(s.fractions[0]) +
              ",\"averaging_fraction\":" + json_number(s.fractions[1]);
    } else if (on_all_ranks(variant)) {
      json += ",\"compute_fraction\":" + json_number(s.fractions[0]) +
              ",\"communication_fraction\":" + json_number(s.fractions[1]) +
              ",\"coordination_fraction\":" + json_number(s.fractions[2]);
    }
    json += "}";
  }
  json += "}";
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const Index dim : {Index{1000}, Index{100000}}) {
    cases.push_back({.name = "BM_MpiAllreduceSgd/" + std::to_string(dim),
                     .kind = AlgorithmKind::kAllreduceSgd,
                     .dim = dim,
                     .variants = {Variant::kSerial, Variant::kThreads, Variant::kMpiOrdered,
                                  Variant::kMpiAllreduce}});
    cases.push_back({.name = "BM_MpiDpsgd/" + std::to_string(dim),
                     .kind = AlgorithmKind::kDpsgd,
                     .dim = dim,
                     .variants = {Variant::kSerial, Variant::kThreads, Variant::kMpiOrdered}});
  }
  return cases;
}

struct Arguments {
  int repetitions = kDefaultRepetitions;
  std::string filter = ".";
};

/// Parses --repetitions=N (or DSGDLAB_BENCH_REPETITIONS) and --filter=REGEX; nullopt (after a
/// message on rank 0) on anything else.
std::optional<Arguments> parse_arguments(int argc, char** argv) {
  Arguments arguments;
  const auto parse_repetitions = [&](const std::string& text) {
    char* end = nullptr;
    const long value = std::strtol(text.c_str(), &end, 10);
    if (end == text.c_str() || *end != '\0' || value < 1 || value > 1000) return false;
    arguments.repetitions = static_cast<int>(value);
    return true;
  };
  bool ok = true;
  if (const char* env = std::getenv("DSGDLAB_BENCH_REPETITIONS"); env != nullptr && *env != 0) {
    ok = parse_repetitions(env);
  }
  for (int a = 1; a < argc && ok; ++a) {
    const std::string argument = argv[a];
    if (argument.rfind("--repetitions=", 0) == 0) {
      ok = parse_repetitions(argument.substr(14));
    } else if (argument.rfind("--filter=", 0) == 0) {
      arguments.filter = argument.substr(9);
    } else {
      ok = false;
    }
  }
  if (!ok && world_rank() == kRoot) {
    std::fprintf(stderr,
                 "usage: mpirun -np 5 bench_mpi_engine [--repetitions=R (1..1000; default %d or "
                 "DSGDLAB_BENCH_REPETITIONS)] [--filter=REGEX]\n",
                 kDefaultRepetitions);
  }
  if (!ok) return std::nullopt;
  return arguments;
}

int run_benchmarks(const Arguments& arguments) {
  std::regex filter;
  try {
    filter = std::regex(arguments.filter);
  } catch (const std::regex_error& error) {
    if (world_rank() == kRoot) {
      std::fprintf(stderr, "bench_mpi_engine: bad --filter \"%s\": %s\n", arguments.filter.c_str(),
                   error.what());
    }
    return 2;
  }
  std::vector<Case> cases = all_cases();
  std::erase_if(cases, [&](const Case& c) { return !std::regex_search(c.name, filter); });
  const bool root = world_rank() == kRoot;
  if (root && !cases.empty()) {
    std::printf(
        "mpi vs threads: %d workers; threads = %d threads in rank 0, mpi = %d ranks "
        "(coordinator + %d workers); %d interleaved repetitions, ~%.1f s per run, probes "
        "off\n"
        "columns: wall time per iteration; iterations per run; ratio to threads; cores = CPU "
        "time of all %d processes / wall time; rank 0 = the same for rank 0 alone; mpi: the "
        "workers' compute, communication and coordination in %% of wall time (serial: gradients "
        "and averaging)\n",
        kWorkers, kWorkers, kRanks, kWorkers, arguments.repetitions, kTargetRunTimeS, kRanks);
    std::fflush(stdout);
  }
  for (const Case& c : cases) {
    const LoadMeter load;
    // Calibration doubles as warm-up (page faults, Open MPI's shared-memory segments).
    std::map<Variant, std::int64_t> iterations;
    for (const Variant variant : c.variants) iterations[variant] = calibrate(c, variant);
    std::map<Variant, std::vector<Sample>> samples;
    for (int r = 0; r < arguments.repetitions; ++r) {
      for (const Variant variant : c.variants) {
        samples[variant].push_back(run_variant(c, variant, iterations[variant]));
      }
    }
    const double other_cores = load.other_cores();
    if (root) {
      std::map<Variant, Summary> summaries;
      for (const Variant variant : c.variants) {
        summaries[variant] = summarise(samples[variant], iterations[variant]);
      }
      print_case(c, summaries, arguments.repetitions, other_cores);
    }
  }
  return 0;
}

}  // namespace
}  // namespace dsgdlab

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int needed = dsgdlab::mpi_ranks_needed(dsgdlab::kWorkers);
  int code = 2;
  if (size != needed) {
    if (dsgdlab::world_rank() == dsgdlab::kRoot) {
      std::fprintf(stderr,
                   "bench_mpi_engine needs exactly %d MPI ranks (a coordinator and %d workers), "
                   "this job has %d: run it as mpirun --oversubscribe -np %d %s\n",
                   needed, dsgdlab::kWorkers, size, needed, argv[0]);
    }
  } else if (const auto arguments = dsgdlab::parse_arguments(argc, argv)) {
    try {
      code = dsgdlab::run_benchmarks(*arguments);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "bench_mpi_engine (rank %d): %s\n", dsgdlab::world_rank(), error.what());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  MPI_Finalize();
  return code;
}
