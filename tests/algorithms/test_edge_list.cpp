#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "dsgdlab/algorithms/topology/edge_list.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

using Edges = std::vector<std::pair<int, int>>;

/// A file under temp_directory_path() named after the running test, the process id (ctest
/// may run tests in parallel) and a counter, removed when the object goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("dsgdlab_" + std::string(test->test_suite_name()) + "_" + test->name() + "_" +
             std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".edges");
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

/// Reads `content` as an edge list and returns the FileFormatError's line and message.
FormatErrorInfo format_error(const std::string& content, int num_workers) {
  const TempFile file(content);
  try {
    read_edge_list(file.path(), num_workers);
  } catch (const FileFormatError& error) {
    EXPECT_EQ(error.file(), file.path());
    const std::string prefix = file.path().string() + ":";
    std::string message = error.what();
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    return {error.line(), message.substr(message.find(": ") + 2)};
  }
  ADD_FAILURE() << "expected a FileFormatError";
  return {};
}

TEST(EdgeList, ReadsCommentsBlankLinesTabsAndCrLf) {
  const TempFile file(
      "# a 5-cycle with a chord\n"
      "\n"
      "0 1\n"
      "  1\t2   # trailing comment\r\n"
      "3 2\n"
      "   \n"
      "3 4\n"
      "4 0\n"
      "0 2");  // no final newline
  const Graph graph = read_edge_list(file.path(), 0);
  EXPECT_EQ(graph.num_vertices(), 5);
  EXPECT_EQ(graph.edges(), (Edges{{0, 1}, {0, 2}, {0, 4}, {1, 2}, {2, 3}, {3, 4}}));
}

TEST(EdgeList, ExplicitWorkerCountKeepsIsolatedWorkers) {
  const TempFile file("0 1\n1 2\n");
  const Graph graph = read_edge_list(file.path(), 5);
  EXPECT_EQ(graph.num_vertices(), 5);
  EXPECT_EQ(graph.num_edges(), 2u);
  EXPECT_EQ(graph.degree(4), 0);
  EXPECT_EQ(read_edge_list(file.path(), 0).num_vertices(), 3);
}

TEST(EdgeList, NonIntegerTokenNamesTheLine) {
  const auto error = format_error("0 1\n# comment\n1 x\n", 0);
  EXPECT_EQ(error.line, 3u);
  EXPECT_EQ(error.message, "worker id \"x\" is not an integer");
  const auto fractional = format_error("0 1.5\n", 0);
  EXPECT_EQ(fractional.line, 1u);
  EXPECT_EQ(fractional.message, "worker id \"1.5\" is not an integer");
}

TEST(EdgeList, WrongFieldCountNamesTheLine) {
  const auto one = format_error("0 1\n2\n", 0);
  EXPECT_EQ(one.line, 2u);
  EXPECT_EQ(one.message, "expected 2 fields \"u v\", found 1");
  const auto three = format_error("\n\n0 1 0.5\n", 0);
  EXPECT_EQ(three.line, 3u);
  EXPECT_EQ(three.message, "expected 2 fields \"u v\", found 3");
}

TEST(EdgeList, VertexOutOfRangeNamesTheLine) {
  const auto too_large = format_error("0 1\n1 2\n2 4\n", 4);
  EXPECT_EQ(too_large.line, 3u);
  EXPECT_EQ(too_large.message, "worker id 4 is outside [0, 4) for 4 workers");
  const auto negative = format_error("0 -1\n", 0);
  EXPECT_EQ(negative.line, 1u);
  EXPECT_EQ(negative.message, "worker id -1 is negative (ids are 0-based)");
}

TEST(EdgeList, SelfLoopNamesTheLine) {
  const auto error = format_error("0 1\n2 2\n", 0);
  EXPECT_EQ(error.line, 2u);
  EXPECT_EQ(error.message, "self-loop {2, 2}");
}

TEST(EdgeList, DuplicateEdgeNamesBothLines) {
  const auto error = format_error("0 1\n1 2\n# again, reversed\n2 1\n", 0);
  EXPECT_EQ(error.line, 4u);
  EXPECT_EQ(error.message, "edge {2, 1} is given again (first on line 2)");
}

TEST(EdgeList, EmptyFileCannotInferTheWorkerCount) {
  const auto error = format_error("# nothing here\n\n", 0);
  EXPECT_EQ(error.line, 0u);
  EXPECT_EQ(error.message, "no edges, so the number of workers cannot be inferred");
  // With an explicit count an edgeless file is a valid (edgeless) graph.
  const TempFile file("# no edges\n");
  EXPECT_EQ(read_edge_list(file.path(), 3).num_edges(), 0u);
}

TEST(EdgeList, MissingFileNamesThePath) {
  const auto missing = std::filesystem::temp_directory_path() / "dsgdlab_no_such_file.edges";
  try {
    read_edge_list(missing, 0);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()), missing.string() + ": cannot open file for reading");
  }
}

TEST(EdgeList, NegativeWorkerCountIsRejected) {
  const TempFile file("0 1\n");
  try {
    read_edge_list(file.path(), -1);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()),
              "edge list num_workers (-1) must be nonnegative (0: infer from the file)");
  }
}

}  // namespace
}  // namespace dsgdlab
