#pragma once

// The periodic averaging of AllReduce-SGD, local SGD and H-SGD on the mpi engine: one
// communicator per level for this worker's cluster at that level (MPI_Comm_split, ranks in
// member order), and the average x ← (Σ_{j ∈ C} x_j)/|C| computed either in member order
// (bitwise equal to `sim`) or by MPI_Allreduce.

#include <mpi.h>

#include <vector>

#include "dsgdlab/algorithms/averaging_schedule.hpp"
#include "dsgdlab/algorithms/engine/mpi_engine.hpp"

namespace dsgdlab::mpi {

class ClusterAveraging {
 public:
  /// Collective on `workers` (rank i = worker i): splits one communicator per level.
  ClusterAveraging(const AveragingSchedule& schedule, int worker, Index dim, MpiAveraging averaging,
                   MPI_Comm workers);
  ClusterAveraging(const ClusterAveraging&) = delete;
  ClusterAveraging& operator=(const ClusterAveraging&) = delete;
  ~ClusterAveraging();

  /// Collective on this worker's cluster at `level`: model ← the cluster's average.
  void average(int level, VectorRef model);
  /// The members of this worker's cluster at `level`, ascending.
  const std::vector<int>& cluster(int level) const {
    return levels_[static_cast<std::size_t>(level)].members;
  }

 private:
  struct Level {
    MPI_Comm comm = MPI_COMM_NULL;
    std::vector<int> members;
    std::vector<int> positions;  ///< 0..|C|−1: the gathered models' columns, in member order
    Matrix gathered;             ///< d × |C| (ordered averaging)
  };
  MpiAveraging averaging_;
  std::vector<Level> levels_;
  Vector scratch_;
};

}  // namespace dsgdlab::mpi
