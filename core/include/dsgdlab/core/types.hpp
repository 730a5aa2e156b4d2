#pragma once

/// Linear-algebra vocabulary shared by every dsgdlab component.

#include <Eigen/Core>
#include <Eigen/SparseCore>

namespace dsgdlab {

using Index = Eigen::Index;
using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
using SparseMatrix = Eigen::SparseMatrix<double>;

/// Writable view of a caller-owned vector (a column of a model matrix, a gradient buffer).
using VectorRef = Eigen::Ref<Vector>;
/// Read-only view of a vector; binds to vectors, matrix columns and expressions' results.
using ConstVectorRef = Eigen::Ref<const Vector>;
using MatrixRef = Eigen::Ref<Matrix>;
using ConstMatrixRef = Eigen::Ref<const Matrix>;

}  // namespace dsgdlab
