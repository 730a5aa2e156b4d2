#include "cluster_averaging.hpp"

#include <algorithm>
#include <numeric>

#include "dsgdlab/algorithms/update_rules.hpp"
#include "mpi_context.hpp"

namespace dsgdlab::mpi {

ClusterAveraging::ClusterAveraging(const AveragingSchedule& schedule, int worker, Index dim,
                                   MpiAveraging averaging, MPI_Comm workers)
    : averaging_(averaging),
      levels_(static_cast<std::size_t>(schedule.num_levels())),
      scratch_(dim) {
  for (int l = 0; l < schedule.num_levels(); ++l) {
    const auto& clusters = schedule.level(l).clusters;
    Level& level = levels_[static_cast<std::size_t>(l)];
    int color = -1;
    for (std::size_t c = 0; c < clusters.size(); ++c) {
      if (std::find(clusters[c].begin(), clusters[c].end(), worker) != clusters[c].end()) {
        color = static_cast<int>(c);
        level.members = clusters[c];
      }
    }
    // Ranks of the split communicator follow the key: the member's position in the cluster,
    // so a gather lays the models out in the order average_members sums them.
    const int key = static_cast<int>(std::find(level.members.begin(), level.members.end(), worker) -
                                     level.members.begin());
    check(MPI_Comm_split(workers, color, key, &level.comm), "MPI_Comm_split");
    MPI_Comm_set_errhandler(level.comm, MPI_ERRORS_RETURN);
    level.positions.resize(level.members.size());
    std::iota(level.positions.begin(), level.positions.end(), 0);
    if (averaging_ == MpiAveraging::kOrdered) {
      level.gathered.resize(dim, static_cast<Index>(level.members.size()));
    }
  }
}

ClusterAveraging::~ClusterAveraging() {
  for (Level& level : levels_) {
    if (level.comm != MPI_COMM_NULL) MPI_Comm_free(&level.comm);
  }
}

void ClusterAveraging::average(int level_index, VectorRef model) {
  Level& level = levels_[static_cast<std::size_t>(level_index)];
  const int d = static_cast<int>(model.size());
  if (averaging_ == MpiAveraging::kOrdered) {
    check(MPI_Allgather(model.data(), d, MPI_DOUBLE, level.gathered.data(), d, MPI_DOUBLE,
                        level.comm),
          "MPI_Allgather");
    average_members(level.gathered, level.positions, scratch_);
    model = scratch_;
  } else {
    check(MPI_Allreduce(model.data(), scratch_.data(), d, MPI_DOUBLE, MPI_SUM, level.comm),
          "MPI_Allreduce");
    mean_from_sum(scratch_, static_cast<int>(level.members.size()));
    model = scratch_;
  }
}

}  // namespace dsgdlab::mpi
