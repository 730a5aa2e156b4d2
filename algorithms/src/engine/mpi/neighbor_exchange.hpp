#pragma once

// D-PSGD's gossip step on the mpi engine: worker i receives its graph neighbours' models and
// mixes them, x_i' = Σ_j W_ij x_j, with the same rule (mix_worker) and in the same order
// (ascending j over column i of W) as `sim`, so the result is the same bits.

#include <mpi.h>

#include <vector>

#include "dsgdlab/core/types.hpp"

namespace dsgdlab::mpi {

class NeighborExchange {
 public:
  /// Collective on `workers` (rank i = worker i). Neighbours are the j ≠ i stored in column i
  /// or row i of W, so the exchange pattern is symmetric whatever W stores.
  NeighborExchange(const SparseMatrix& mixing, int worker, Index dim, MPI_Comm workers);
  NeighborExchange(const NeighborExchange&) = delete;
  NeighborExchange& operator=(const NeighborExchange&) = delete;
  ~NeighborExchange();

  /// Collective on the neighbourhood graph: sends `model` to every neighbour, receives theirs,
  /// and writes Σ_j W_ij x_j into `mixed` (which must not alias `model`).
  void mix(ConstVectorRef model, VectorRef mixed);

 private:
  MPI_Comm graph_ = MPI_COMM_NULL;
  /// Column p: the model of local_ids_[p] (this worker's own at self_position_).
  Matrix local_models_;
  /// W's column i restricted to the local columns: a (|local|) × 1 sparse matrix.
  SparseMatrix local_mixing_;
  int self_position_ = -1;
  std::vector<int> receive_counts_;
  std::vector<int> receive_offsets_;
};

}  // namespace dsgdlab::mpi
