#pragma once

// The MPI world of `mpirun -np K dsgdlab run ...` (private to dsgdlab::experiments): a suite run
// under mpirun spreads its runs over the K ranks, or, when its runs use engine "mpi", goes
// through them with every rank; a run configuration on engine "mpi" runs one worker per rank.
// This class only initialises and finalises MPI and offers the few collectives the commands
// need; the engine itself is algorithms/engine/mpi_engine.hpp. Built without MPI (cmake
// -DDSGDLAB_WITH_MPI=OFF, or Open MPI not installed), a launch with K > 1 ranks is refused instead
// of letting K processes race on one results directory.

#include <memory>
#include <vector>

namespace dsgdlab {

class MpiWorld {
 public:
  /// The world when this process was started by mpirun with more than one rank (Open MPI's
  /// OMPI_COMM_WORLD_SIZE, or PMI_SIZE / PMIX_SIZE of other launchers); null otherwise.
  /// Initialises MPI (finalised by the destructor). Throws InputError when launched with
  /// several ranks but built without MPI.
  static std::unique_ptr<MpiWorld> from_environment();

  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;
  ~MpiWorld();

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// Blocks until every rank has called it.
  void barrier() const;
  /// Element-wise sum over the ranks, returned on every rank.
  std::vector<long long> sum(const std::vector<long long>& values) const;
  /// Rank 0's `values` (every rank passes a vector of the same size), returned on every rank.
  std::vector<long long> broadcast(std::vector<long long> values) const;

 private:
  MpiWorld(int rank, int size) : rank_(rank), size_(size) {}
  int rank_;
  int size_;
};

/// The number of ranks the launcher announces in the environment (1 when none).
int launcher_world_size();

}  // namespace dsgdlab
