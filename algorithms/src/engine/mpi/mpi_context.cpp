#include "mpi_context.hpp"

#include <cstdio>
#include <stdexcept>

namespace dsgdlab::mpi {

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(call) + " failed: " + std::string(text, length));
}

void abort_job(const std::string& what) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "dsgdlab (MPI rank %d): %s; aborting the job\n", rank, what.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

MpiContext::MpiContext(const RunSetup& run_setup, const MpiEngineOptions& engine_options,
                       const ProgressCallback& progress, MPI_Comm run_comm)
    : WallClockContext(run_setup, progress), options(engine_options), run(run_comm) {
  MPI_Comm_rank(run, &rank_);
  check(MPI_Comm_split(run, coordinator() ? MPI_UNDEFINED : 0, rank_, &workers), "MPI_Comm_split");
  const int d = static_cast<int>(dim);
  gather_counts_.assign(static_cast<std::size_t>(num_workers) + 1, d);
  gather_counts_[0] = 0;
  gather_offsets_.assign(static_cast<std::size_t>(num_workers) + 1, 0);
  for (int i = 0; i < num_workers; ++i) gather_offsets_[static_cast<std::size_t>(i) + 1] = i * d;
}

MpiContext::~MpiContext() {
  if (workers != MPI_COMM_NULL) MPI_Comm_free(&workers);
}

void MpiContext::collect_worker_times() {
  double times[3] = {worker_times.compute_s, worker_times.communication_s,
                     worker_times.coordination_s};
  check(MPI_Reduce(coordinator() ? MPI_IN_PLACE : times, times, 3, MPI_DOUBLE, MPI_SUM,
                   kCoordinator, run),
        "MPI_Reduce");
  if (!coordinator()) return;
  const auto n = static_cast<double>(num_workers);
  result.time_breakdown = WorkerTimeBreakdown{
      .compute_s = times[0] / n, .communication_s = times[1] / n, .coordination_s = times[2] / n};
}

void MpiContext::gather_models(ConstVectorRef mine, Matrix& models) {
  const auto start = Clock::now();
  const int d = static_cast<int>(dim);
  if (coordinator()) {
    models.resize(dim, num_workers);
    check(MPI_Gatherv(nullptr, 0, MPI_DOUBLE, models.data(), gather_counts_.data(),
                      gather_offsets_.data(), MPI_DOUBLE, kCoordinator, run),
          "MPI_Gatherv");
  } else {
    check(MPI_Gatherv(mine.data(), d, MPI_DOUBLE, nullptr, nullptr, nullptr, MPI_DOUBLE,
                      kCoordinator, run),
          "MPI_Gatherv");
  }
  if (coordinator()) {
    add_snapshot_time(seconds_since(start));
  } else {
    worker_times.coordination_s += seconds_since(start);
  }
}

}  // namespace dsgdlab::mpi
