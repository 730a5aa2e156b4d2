#include <gtest/gtest.h>
#include <unistd.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/topology/generators.hpp"
#include "dsgdlab/algorithms/topology/mixing.hpp"
#include "dsgdlab/algorithms/topology/validation.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

/// Eigenvalues from a dense SelfAdjointEigenSolver versus closed forms. Householder
/// tridiagonalisation + implicit QR is backward stable: each eigenvalue is off by at most
/// c·n·2⁻⁵³·‖W‖₂ with ‖W‖₂ = 1 here, about 1e-14 for n ≤ 64; std::cos is within an ulp. 1e-12
/// leaves two orders of magnitude of margin and still catches any wrong weight (≥ 1e-3).
constexpr double kEigenvalueTolerance = 1e-12;
/// Matrix entries built from a few double operations on numbers ≤ 1: a few ulps (2.2e-16).
constexpr double kEntryTolerance = 1e-15;

template <typename Run>
std::string input_error_message(Run run) {
  try {
    run();
  } catch (const InputError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected an InputError";
  return "";
}

std::vector<double> sorted_eigenvalues(const SparseMatrix& mixing) {
  const Matrix dense = Matrix(mixing);
  Eigen::SelfAdjointEigenSolver<Matrix> solver(dense, Eigen::EigenvaluesOnly);
  EXPECT_EQ(solver.info(), Eigen::Success);
  const Vector& values = solver.eigenvalues();  // ascending
  return {values.data(), values.data() + values.size()};
}

void expect_same_spectrum(const SparseMatrix& mixing, std::vector<double> expected) {
  std::sort(expected.begin(), expected.end());
  const auto actual = sorted_eigenvalues(mixing);
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t k = 0; k < actual.size(); ++k) {
    EXPECT_NEAR(actual[k], expected[k], kEigenvalueTolerance) << "eigenvalue " << k;
  }
}

double binomial(int k, int j) {
  double result = 1.0;
  for (int i = 1; i <= j; ++i) result = result * (k - j + i) / i;
  return result;
}

TEST(MixingRule, NamesRoundTripAndCatalog) {
  const auto catalog = mixing_rule_catalog();
  ASSERT_EQ(catalog.size(), 4u);
  for (const auto& info : catalog) {
    EXPECT_EQ(to_string(info.rule), info.name);
    EXPECT_EQ(parse_mixing_rule(info.name), info.rule);
    EXPECT_FALSE(info.description.empty());
  }
  EXPECT_EQ(to_string(MixingRule::kUniform), "uniform");
  EXPECT_EQ(to_string(MixingRule::kMetropolisHastings), "metropolis_hastings");
  EXPECT_EQ(to_string(MixingRule::kLazyUniform), "lazy_uniform");
  EXPECT_EQ(to_string(MixingRule::kLazyMetropolisHastings), "lazy_metropolis_hastings");
}

TEST(MixingRule, UnknownNameIsAnInputError) {
  EXPECT_EQ(input_error_message([] { parse_mixing_rule("metropolis"); }),
            "topology.mixing (\"metropolis\") is not a known mixing rule (uniform, "
            "metropolis_hastings, lazy_uniform, lazy_metropolis_hastings)");
  EXPECT_EQ(input_error_message([] { parse_mixing_rule("", "dpsgd.mixing"); }),
            "dpsgd.mixing (\"\") is not a known mixing rule (uniform, metropolis_hastings, "
            "lazy_uniform, lazy_metropolis_hastings)");
}

TEST(MixingMatrix, UniformRingHasThirdsAndTheGraphAsSupport) {
  const Graph graph = ring(8);
  const SparseMatrix w = mixing_matrix(graph, MixingRule::kUniform);
  EXPECT_TRUE(w.isCompressed());
  EXPECT_EQ(w.nonZeros(), 3 * 8);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(w.coeff(i, i), 1.0 / 3.0);
    EXPECT_EQ(w.coeff(i, (i + 1) % 8), 1.0 / 3.0);
    EXPECT_EQ(w.coeff(i, (i + 7) % 8), 1.0 / 3.0);
  }
  EXPECT_EQ(support_graph(w), graph);
  EXPECT_NO_THROW(validate_mixing_matrix(w));
}

TEST(MixingMatrix, UniformRuleRejectsIrregularGraphs) {
  EXPECT_EQ(input_error_message([] { mixing_matrix(star(4), MixingRule::kUniform); }),
            "the uniform mixing rule W_ij = 1/(d+1) needs a regular graph, but vertex 0 has "
            "degree 3 and vertex 1 has degree 1; use metropolis_hastings (or "
            "lazy_metropolis_hastings) instead");
  EXPECT_EQ(input_error_message([] { mixing_matrix(star(3), MixingRule::kLazyUniform); }),
            "the lazy_uniform mixing rule W_ij = 1/(d+1) needs a regular graph, but vertex 0 has "
            "degree 2 and vertex 1 has degree 1; use metropolis_hastings (or "
            "lazy_metropolis_hastings) instead");
}

TEST(MixingMatrix, MetropolisHastingsByHand) {
  // Triangle 0-1-2 with a pendant 3 on vertex 2: degrees 2, 2, 3, 1.
  // W01 = 1/3, W02 = W12 = W23 = 1/4; W00 = W11 = 1 − 1/3 − 1/4 = 5/12, W22 = 1/4, W33 = 3/4.
  const std::vector<std::pair<int, int>> edges{{0, 1}, {0, 2}, {1, 2}, {2, 3}};
  const SparseMatrix w =
      mixing_matrix(Graph::from_edges(4, edges), MixingRule::kMetropolisHastings);
  Matrix expected(4, 4);
  expected << 5.0 / 12, 1.0 / 3, 1.0 / 4, 0,  //
      1.0 / 3, 5.0 / 12, 1.0 / 4, 0,          //
      1.0 / 4, 1.0 / 4, 1.0 / 4, 1.0 / 4,     //
      0, 0, 1.0 / 4, 3.0 / 4;
  EXPECT_LE((Matrix(w) - expected).cwiseAbs().maxCoeff(), kEntryTolerance);
  EXPECT_EQ(w.nonZeros(), 4 + 2 * 4);
}

TEST(MixingMatrix, MetropolisHastingsOnAStarIsSymmetricDoublyStochastic) {
  constexpr int kN = 9;
  const SparseMatrix w = mixing_matrix(star(kN), MixingRule::kMetropolisHastings);
  const Matrix dense = Matrix(w);
  EXPECT_EQ(dense, dense.transpose());  // exactly: each edge weight is computed once
  EXPECT_LE((dense.rowwise().sum().array() - 1.0).abs().maxCoeff(), kEntryTolerance);
  EXPECT_LE((dense.colwise().sum().array() - 1.0).abs().maxCoeff(), kEntryTolerance);
  EXPECT_GE(dense.minCoeff(), 0.0);
  // Every edge weight is 1/(1 + max(8, 1)) = 1/9; the centre keeps 1/9, each leaf 8/9.
  EXPECT_NEAR(dense(0, 0), 1.0 / kN, kEntryTolerance);
  for (int leaf = 1; leaf < kN; ++leaf) {
    EXPECT_EQ(dense(0, leaf), 1.0 / kN);
    EXPECT_NEAR(dense(leaf, leaf), 1.0 - 1.0 / kN, kEntryTolerance);
  }
  EXPECT_NO_THROW(validate_mixing_matrix(w));
}

TEST(MixingMatrix, MetropolisHastingsEqualsUniformOnRegularGraphs) {
  for (const Graph& graph : {ring(10), torus(3, 4), hypercube(4), complete(6)}) {
    const Matrix mh = Matrix(mixing_matrix(graph, MixingRule::kMetropolisHastings));
    const Matrix uniform = Matrix(mixing_matrix(graph, MixingRule::kUniform));
    EXPECT_LE((mh - uniform).cwiseAbs().maxCoeff(), kEntryTolerance);
  }
}

TEST(MixingSpectrum, UniformRing) {
  for (int n : {3, 8, 13}) {
    std::vector<double> expected;
    for (int k = 0; k < n; ++k) {
      expected.push_back((1.0 + 2.0 * std::cos(2.0 * std::numbers::pi * k / n)) / 3.0);
    }
    expect_same_spectrum(mixing_matrix(ring(n), MixingRule::kUniform), expected);
  }
}

TEST(MixingSpectrum, UniformTorus) {
  for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{3, 3}, {4, 5}, {6, 4}}) {
    std::vector<double> expected;
    for (int a = 0; a < rows; ++a) {
      for (int b = 0; b < cols; ++b) {
        expected.push_back((1.0 + 2.0 * std::cos(2.0 * std::numbers::pi * a / rows) +
                            2.0 * std::cos(2.0 * std::numbers::pi * b / cols)) /
                           5.0);
      }
    }
    expect_same_spectrum(mixing_matrix(torus(rows, cols), MixingRule::kUniform), expected);
  }
}

TEST(MixingSpectrum, UniformHypercube) {
  for (int k : {1, 3, 5}) {
    std::vector<double> expected;
    for (int j = 0; j <= k; ++j) {
      const auto multiplicity = static_cast<int>(binomial(k, j));
      expected.insert(expected.end(), static_cast<std::size_t>(multiplicity),
                      static_cast<double>(k + 1 - 2 * j) / (k + 1));
    }
    ASSERT_EQ(expected.size(), static_cast<std::size_t>(1 << k));
    expect_same_spectrum(mixing_matrix(hypercube(k), MixingRule::kUniform), expected);
  }
}

TEST(MixingSpectrum, UniformComplete) {
  constexpr int kN = 7;
  std::vector<double> expected(kN - 1, 0.0);
  expected.push_back(1.0);
  expect_same_spectrum(mixing_matrix(complete(kN), MixingRule::kUniform), expected);
}

TEST(MixingSpectrum, LazyVariantsMapEigenvaluesToOnePlusLambdaOverTwo) {
  for (const Graph& graph : {ring(9), torus(3, 5), hypercube(3), star(6), exponential(10)}) {
    const bool regular = graph.is_regular();
    const MixingRule base = regular ? MixingRule::kUniform : MixingRule::kMetropolisHastings;
    const MixingRule lazy =
        regular ? MixingRule::kLazyUniform : MixingRule::kLazyMetropolisHastings;
    std::vector<double> expected = sorted_eigenvalues(mixing_matrix(graph, base));
    for (double& lambda : expected) lambda = (1.0 + lambda) / 2.0;
    const SparseMatrix w = mixing_matrix(graph, lazy);
    expect_same_spectrum(w, expected);
    EXPECT_GE(sorted_eigenvalues(w).front(), -kEigenvalueTolerance);
    EXPECT_NO_THROW(validate_mixing_matrix(w));
  }
}

TEST(SupportGraph, IsTheUnionOfBothTriangles) {
  SparseMatrix w(4, 4);
  w.insert(0, 0) = 0.5;
  w.insert(0, 1) = 0.5;  // only above the diagonal
  w.insert(3, 2) = 0.2;  // only below the diagonal
  w.insert(1, 3) = 0.0;  // an explicit zero is not an edge
  w.makeCompressed();
  EXPECT_EQ(support_graph(w).edges(), (std::vector<std::pair<int, int>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(input_error_message([] { support_graph(SparseMatrix(2, 3)); }),
            "support_graph: the matrix is not square: 2 x 3");
}

// ---- read_mixing_matrix -------------------------------------------------------------------

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("dsgdlab_" + std::string(test->test_suite_name()) + "_" + test->name() + "_" +
             std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".txt");
    std::ofstream out(path_, std::ios::binary);
    out << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;  ///< several files in one test get distinct names
  std::filesystem::path path_;
};

struct FormatErrorInfo {
  std::size_t line = 0;
  std::string message;
};

FormatErrorInfo format_error(const std::string& content, int num_workers) {
  const TempFile file(content);
  try {
    read_mixing_matrix(file.path(), num_workers);
  } catch (const FileFormatError& error) {
    EXPECT_EQ(error.file(), file.path());
    std::string prefix = file.path().string();
    if (error.line() > 0) prefix += ":" + std::to_string(error.line());
    prefix += ": ";
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    return {error.line(), message.substr(std::min(prefix.size(), message.size()))};
  }
  ADD_FAILURE() << "expected a FileFormatError";
  return {};
}

TEST(ReadMixingMatrix, DenseWithCommentsAndFractions) {
  const TempFile file(
      "# uniform ring of 4 is not regular-friendly; this is MH on a path 0-1-2-3\n"
      "2/3 1/3 0   0\n"
      "1/3 1/3 1/3 0   # row 1\n"
      "\n"
      "0   1/3 1/3 1/3\n"
      "0   0   1/3 0.66666666666666663\n");
  const SparseMatrix w = read_mixing_matrix(file.path(), 4);
  Matrix expected(4, 4);
  expected << 2.0 / 3, 1.0 / 3, 0, 0,  //
      1.0 / 3, 1.0 / 3, 1.0 / 3, 0,    //
      0, 1.0 / 3, 1.0 / 3, 1.0 / 3,    //
      0, 0, 1.0 / 3, 2.0 / 3;
  EXPECT_EQ(Matrix(w), expected);
  EXPECT_EQ(w.nonZeros(), 10);  // zeros are not stored
  EXPECT_NO_THROW(validate_mixing_matrix(w));
  EXPECT_EQ(Matrix(read_mixing_matrix(file.path(), 0)), expected);  // n inferred as 4
}

TEST(ReadMixingMatrix, TripletsEqualTheGeneratedMatrix) {
  const SparseMatrix generated = mixing_matrix(ring(5), MixingRule::kMetropolisHastings);
  std::string content = "# i j w\n";
  for (Index k = 0; k < generated.outerSize(); ++k) {
    for (SparseMatrix::InnerIterator it(generated, k); it; ++it) {
      content += std::to_string(it.row()) + "\t" + std::to_string(it.col()) + "  1/3\n";
    }
  }
  const TempFile file(content);
  // The generated diagonal is 1 − (1/3 + 1/3), one ulp away from the file's 1/3.
  for (int n : {5, 0}) {
    const SparseMatrix w = read_mixing_matrix(file.path(), n);
    EXPECT_EQ(w.nonZeros(), generated.nonZeros());
    EXPECT_LE((Matrix(w) - Matrix(generated)).cwiseAbs().maxCoeff(), kEntryTolerance);
  }
}

TEST(ReadMixingMatrix, ThreeWorkersDenseAndTriplets) {
  const TempFile dense("0.5 0.25 0.25\n0.25 0.5 0.25\n0.25 0.25 0.5\n");
  const TempFile triplets("0 0 0.5\n0 1 0.5\n1 0 0.5\n1 1 0.25\n1 2 0.25\n2 1 0.25\n2 2 0.75\n");
  Matrix expected_dense(3, 3);
  expected_dense << 0.5, 0.25, 0.25, 0.25, 0.5, 0.25, 0.25, 0.25, 0.5;
  Matrix expected_triplets(3, 3);
  expected_triplets << 0.5, 0.5, 0, 0.5, 0.25, 0.25, 0, 0.25, 0.75;
  for (int n : {3, 0}) {
    EXPECT_EQ(Matrix(read_mixing_matrix(dense.path(), n)), expected_dense);
    EXPECT_EQ(Matrix(read_mixing_matrix(triplets.path(), n)), expected_triplets);
  }
}

TEST(ReadMixingMatrix, NonNumberNamesTheLine) {
  const auto error = format_error("0.5 0.5\n0.5 half\n", 2);
  EXPECT_EQ(error.line, 2u);
  EXPECT_EQ(error.message,
            "\"half\" is not a number (write a decimal such as 0.25 or a fraction such as 1/3)");
  const auto zero_denominator = format_error("0 0 1/0\n", 1);
  EXPECT_EQ(zero_denominator.line, 1u);
  EXPECT_EQ(zero_denominator.message,
            "\"1/0\" is not a number (write a decimal such as 0.25 or a fraction such as 1/3)");
}

TEST(ReadMixingMatrix, DenseRowWithWrongLengthNamesTheLine) {
  const auto error = format_error("# 4 x 4\n1 0 0 0\n0 1 0\n", 4);
  EXPECT_EQ(error.line, 3u);
  EXPECT_EQ(error.message, "dense row 1 has 3 numbers, expected 4");
}

TEST(ReadMixingMatrix, DenseRowCountIsChecked) {
  const auto too_many = format_error("1 0\n0 1\n\n0 0\n", 2);
  EXPECT_EQ(too_many.line, 4u);
  EXPECT_EQ(too_many.message, "dense matrix has more than 2 rows");
  const auto too_few = format_error("1 0 0 0\n0 1 0 0\n", 4);
  EXPECT_EQ(too_few.line, 0u);
  EXPECT_EQ(too_few.message, "dense matrix has 2 rows, expected 4");
}

TEST(ReadMixingMatrix, TripletErrorsNameTheLine) {
  const auto fields = format_error("0 0 1\n1 1\n", 2);
  EXPECT_EQ(fields.line, 2u);
  EXPECT_EQ(fields.message, "expected 3 fields \"i j w\", found 2");
  const auto range = format_error("0 0 1\n# comment\n0 5 0.5\n", 4);
  EXPECT_EQ(range.line, 3u);
  EXPECT_EQ(range.message, "index 5 is outside [0, 4) for 4 workers");
  const auto negative = format_error("0 0 1\n-1 0 0.5\n", 0);
  EXPECT_EQ(negative.line, 2u);
  EXPECT_EQ(negative.message, "index -1 is outside [0, infinity)");
  const auto non_integer = format_error("0 0 1\n1.0 0 0.5\n", 4);
  EXPECT_EQ(non_integer.line, 2u);
  EXPECT_EQ(non_integer.message, "index \"1.0\" is not an integer");
  const auto repeated = format_error("0 0 0.5\n0 1 0.5\n1 0 0.5\n0 1 0.25\n", 4);
  EXPECT_EQ(repeated.line, 4u);
  EXPECT_EQ(repeated.message, "entry (0, 1) is given again (first on line 2)");
}

TEST(ReadMixingMatrix, EmptyAndMissingFiles) {
  const auto empty = format_error("# only a comment\n\n", 3);
  EXPECT_EQ(empty.line, 0u);
  EXPECT_EQ(empty.message, "no matrix entries (the file has no data lines)");
  const auto missing = std::filesystem::temp_directory_path() / "dsgdlab_no_such_matrix.txt";
  EXPECT_EQ(input_error_message([&] { read_mixing_matrix(missing, 3); }),
            missing.string() + ": cannot open file for reading");
}

}  // namespace
}  // namespace dsgdlab
