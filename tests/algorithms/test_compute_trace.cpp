#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dsgdlab/algorithms/engine/compute_trace.hpp"
#include "dsgdlab/core/errors.hpp"

namespace dsgdlab {
namespace {

using Factors = std::vector<std::vector<double>>;

/// A file under temp_directory_path() named after the running test, the process id (ctest
/// may run tests in parallel) and a counter, removed when the object goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("dsgdlab_" + std::string(test->test_suite_name()) + "_" + test->name() + "_" +
             std::to_string(::getpid()) + "_" + std::to_string(counter_++) + ".trace");
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
  std::string problem;
};

/// Reads `content` as a trace for `num_workers` and returns the FileFormatError's line and
/// problem (the message after "FILE:LINE: ").
FormatErrorInfo format_error(const std::string& content, int num_workers) {
  const TempFile file(content);
  try {
    read_compute_trace(file.path(), num_workers);
  } catch (const FileFormatError& error) {
    EXPECT_EQ(error.file(), file.path());
    // "FILE:LINE: PROBLEM", or "FILE: PROBLEM" for a whole-file problem (line 0).
    const std::string prefix =
        file.path().string() + (error.line() > 0 ? ":" + std::to_string(error.line()) : "") + ": ";
    const std::string message = error.what();
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    return {error.line(), message.substr(prefix.size())};
  }
  ADD_FAILURE() << "expected a FileFormatError";
  return {};
}

TEST(ComputeTrace, ReadsOneLinePerWorkerWithCommentsBlankLinesTabsAndCrLf) {
  const TempFile file(
      "# measured factors, one line per worker\n"
      "\n"
      "1.0 0.5\t2   # worker 0\r\n"
      "   \n"
      "# worker 1 next\n"
      "  3e-1\n"
      "+4 1.25 0.75 1");  // no final newline
  const Factors factors = read_compute_trace(file.path(), 3);
  EXPECT_EQ(factors, (Factors{{1.0, 0.5, 2.0}, {0.3}, {4.0, 1.25, 0.75, 1.0}}));
}

TEST(ComputeTrace, SingleWorker) {
  const TempFile file("7\n");
  EXPECT_EQ(read_compute_trace(file.path(), 1), (Factors{{7.0}}));
}

TEST(ComputeTrace, NonNumbersNameTheValueAndTheLine) {
  const std::string good = "1 2\n# comment\n\n";  // lines 1-3; the bad line is line 4
  for (const std::string bad : {"abc", "1.5x", "1,5", "nan", "--1", "+-1", "0x10"}) {
    const auto error = format_error(good + "1 " + bad + " 2\n", 2);
    EXPECT_EQ(error.line, 4u) << bad;
    EXPECT_EQ(error.problem, "value '" + bad + "' is not a number");
  }
}

TEST(ComputeTrace, NonPositiveValuesAreRejected) {
  for (const std::string bad : {"-1", "0", "-0", "0.0", "-inf", "-2.5e3"}) {
    const auto error = format_error("1\n\n" + bad + "\n", 2);
    EXPECT_EQ(error.line, 3u) << bad;
    EXPECT_EQ(error.problem, "value " + bad + " must be positive");
  }
}

TEST(ComputeTrace, NonFiniteAndOutOfRangeValuesAreRejected) {
  for (const std::string bad : {"inf", "infinity", "+inf"}) {
    const auto error = format_error("1\n" + bad + "\n", 2);
    EXPECT_EQ(error.line, 2u) << bad;
    EXPECT_EQ(error.problem, "value '" + bad + "' must be finite");
  }
  const auto overflow = format_error("1e999\n1\n", 2);
  EXPECT_EQ(overflow.line, 1u);
  EXPECT_EQ(overflow.problem, "value '1e999' is out of the range of a double");
}

TEST(ComputeTrace, WrongNumberOfWorkerLinesIsAWholeFileError) {
  const auto too_few = format_error("1\n# 2\n3\n\n4 5\n", 4);
  EXPECT_EQ(too_few.line, 0u);
  EXPECT_EQ(too_few.problem, "has 3 worker lines, the run has 4 workers");
  const auto too_many = format_error("1\n2\n3\n", 2);
  EXPECT_EQ(too_many.line, 0u);
  EXPECT_EQ(too_many.problem, "has 3 worker lines, the run has 2 workers");
  const auto empty = format_error("# nothing\n\n", 1);
  EXPECT_EQ(empty.line, 0u);
  EXPECT_EQ(empty.problem, "has 0 worker lines, the run has 1 workers");
}

TEST(ComputeTrace, MissingFileIsAnInputErrorNamingThePath) {
  const std::filesystem::path missing =
      std::filesystem::temp_directory_path() / "dsgdlab_no_such_compute_trace.txt";
  try {
    read_compute_trace(missing, 2);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(missing.string()), std::string::npos) << error.what();
  }
}

TEST(ComputeTrace, WorkerCountMustBePositive) {
  const TempFile file("1\n");
  try {
    read_compute_trace(file.path(), 0);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& error) {
    EXPECT_STREQ(error.what(), "compute trace num_workers (0) must be at least 1");
  }
}

}  // namespace
}  // namespace dsgdlab
