#include "neighbor_exchange.hpp"

#include <algorithm>
#include <set>

#include "dsgdlab/algorithms/update_rules.hpp"
#include "mpi_context.hpp"

namespace dsgdlab::mpi {

NeighborExchange::NeighborExchange(const SparseMatrix& mixing, int worker, Index dim,
                                   MPI_Comm workers) {
  // Local columns: i and every neighbour, ascending, so that local position order is global
  // id order and mix_worker sums in the order it does on the whole matrix.
  // Column i and row i of W's stored pattern: j is in i's set exactly when i is in j's.
  std::set<int> ids{worker};
  const SparseMatrix transposed = mixing.transpose();
  for (const SparseMatrix* matrix : {&mixing, &transposed}) {
    for (SparseMatrix::InnerIterator it(*matrix, worker); it; ++it) {
      ids.insert(static_cast<int>(it.row()));
    }
  }
  std::vector<int> neighbors;
  const std::vector<int> local_ids(ids.begin(), ids.end());
  for (std::size_t p = 0; p < local_ids.size(); ++p) {
    if (local_ids[p] == worker) {
      self_position_ = static_cast<int>(p);
      continue;
    }
    neighbors.push_back(local_ids[p]);
    receive_counts_.push_back(static_cast<int>(dim));
    receive_offsets_.push_back(static_cast<int>(p * static_cast<std::size_t>(dim)));
  }
  local_models_.resize(dim, static_cast<Index>(local_ids.size()));

  std::vector<Eigen::Triplet<double>> entries;
  for (SparseMatrix::InnerIterator it(mixing, worker); it; ++it) {
    const auto position =
        std::lower_bound(local_ids.begin(), local_ids.end(), static_cast<int>(it.row())) -
        local_ids.begin();
    entries.emplace_back(static_cast<int>(position), 0, it.value());
  }
  local_mixing_.resize(static_cast<Index>(local_ids.size()), 1);
  local_mixing_.setFromTriplets(entries.begin(), entries.end());

  const int degree = static_cast<int>(neighbors.size());
  check(MPI_Dist_graph_create_adjacent(workers, degree, neighbors.data(), MPI_UNWEIGHTED, degree,
                                       neighbors.data(), MPI_UNWEIGHTED, MPI_INFO_NULL,
                                       /*reorder=*/0, &graph_),
        "MPI_Dist_graph_create_adjacent");
  MPI_Comm_set_errhandler(graph_, MPI_ERRORS_RETURN);
}

NeighborExchange::~NeighborExchange() {
  if (graph_ != MPI_COMM_NULL) MPI_Comm_free(&graph_);
}

void NeighborExchange::mix(ConstVectorRef model, VectorRef mixed) {
  local_models_.col(self_position_) = model;
  check(MPI_Neighbor_allgatherv(model.data(), static_cast<int>(model.size()), MPI_DOUBLE,
                                local_models_.data(), receive_counts_.data(),
                                receive_offsets_.data(), MPI_DOUBLE, graph_),
        "MPI_Neighbor_allgatherv");
  mix_worker(local_mixing_, 0, local_models_, mixed);
}

}  // namespace dsgdlab::mpi
