#include "mpi_world.hpp"

#include <cstdlib>
#include <string>

#include "dsgdlab/core/errors.hpp"

#ifdef DSGDLAB_HAVE_MPI
#include <mpi.h>
#endif

namespace dsgdlab {

int launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    if (const char* value = std::getenv(name)) {
      try {
        return std::max(1, std::stoi(value));
      } catch (const std::exception&) {
        return 1;
      }
    }
  }
  return 1;
}

#ifdef DSGDLAB_HAVE_MPI

std::unique_ptr<MpiWorld> MpiWorld::from_environment() {
  if (launcher_world_size() <= 1) return nullptr;
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised == 0) MPI_Init(nullptr, nullptr);
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<MpiWorld>(new MpiWorld(rank, size));
}

MpiWorld::~MpiWorld() {
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (finalised == 0) MPI_Finalize();
}

void MpiWorld::barrier() const { MPI_Barrier(MPI_COMM_WORLD); }

std::vector<long long> MpiWorld::sum(const std::vector<long long>& values) const {
  std::vector<long long> total(values.size());
  MPI_Allreduce(values.data(), total.data(), static_cast<int>(values.size()), MPI_LONG_LONG,
                MPI_SUM, MPI_COMM_WORLD);
  return total;
}

std::vector<long long> MpiWorld::broadcast(std::vector<long long> values) const {
  MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_LONG_LONG, 0, MPI_COMM_WORLD);
  return values;
}

#else

std::unique_ptr<MpiWorld> MpiWorld::from_environment() {
  if (launcher_world_size() <= 1) return nullptr;
  throw InputError("started by mpirun with " + std::to_string(launcher_world_size()) +
                   " ranks, but this dsgdlab was built without MPI (install libopenmpi-dev and "
                   "rebuild, or run without mpirun)");
}

MpiWorld::~MpiWorld() = default;

void MpiWorld::barrier() const {}

std::vector<long long> MpiWorld::sum(const std::vector<long long>& values) const { return values; }

std::vector<long long> MpiWorld::broadcast(std::vector<long long> values) const { return values; }

#endif

}  // namespace dsgdlab
