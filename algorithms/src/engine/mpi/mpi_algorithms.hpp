#pragma once

// Internal to the mpi engine: one entry per family of algorithms, each called on every rank
// of the run (coordinator and workers).

#include "mpi_context.hpp"

namespace dsgdlab::mpi {

/// SGD, AllReduce-SGD, local SGD, H-SGD (two- and multi-level), D-PSGD: synchronous rounds.
void run_rounds(MpiContext& context);
/// AD-PSGD: models in MPI windows, pairwise averaging under exclusive window locks.
void run_adpsgd(MpiContext& context);
/// A-PSGD: rank 0 is the parameter server.
void run_apsgd(MpiContext& context);

}  // namespace dsgdlab::mpi
