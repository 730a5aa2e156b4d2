#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/problems/libsvm.hpp"

namespace dsgdlab {
namespace {

/// A file in a per-test temporary directory, removed (with the directory) on destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& content, const std::string& name = "data.libsvm") {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    directory_ = std::filesystem::temp_directory_path() /
                 ("dsgdlab_test_libsvm_" + std::to_string(::getpid()) + "_" +
                  test->test_suite_name() + "_" + test->name());
    std::filesystem::create_directories(directory_);
    path_ = directory_ / name;
    std::ofstream out(path_, std::ios::binary);
    out << content;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
  std::filesystem::path path_;
};

/// Expects read_libsvm on `content` to throw FileFormatError at `line` whose message contains
/// `problem` and starts with "FILE:LINE: " (or "FILE: " for line 0).
void expect_format_error(const std::string& content, std::size_t line, const std::string& problem,
                         const LibsvmReadOptions& options = {}) {
  const TempFile file(content);
  try {
    read_libsvm(file.path(), options);
    ADD_FAILURE() << "expected FileFormatError '" << problem << "'";
  } catch (const FileFormatError& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.line(), line) << "message: " << message;
    EXPECT_EQ(error.file(), file.path());
    const std::string prefix =
        file.path().string() + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": ";
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << "message: " << message;
    EXPECT_NE(message.find(problem), std::string::npos) << "message: " << message;
  }
}

TEST(ReadLibsvm, ParsesCommentsBlankLinesSignedLabelsAndSparseIndices) {
  const TempFile file(
      "# header comment\n"
      "+1 1:0.5 3:-2 # trailing comment\r\n"
      "-1 2:1e-3\n"
      "\n"
      "  -1\t1:4  2:5 3:6   \n"
      "   # indented comment\n"
      "+1\n");
  const LibsvmData result = read_libsvm(file.path());
  const Dataset& data = result.dataset;
  EXPECT_EQ(result.label_values, (std::vector<double>{-1.0, 1.0}));
  EXPECT_EQ(data.num_classes, 2);
  EXPECT_EQ(data.labels, (std::vector<int>{1, 0, 0, 1}));
  Matrix expected(3, 4);
  expected << 0.5, 0.0, 4.0, 0.0,  //
      0.0, 1e-3, 5.0, 0.0,         //
      -2.0, 0.0, 6.0, 0.0;
  EXPECT_EQ(data.features, expected);
  EXPECT_EQ(data.targets.size(), 0);
  EXPECT_NO_THROW(data.validate());
}

TEST(ReadLibsvm, ZeroBasedIndicesStartAtRowZero) {
  const TempFile file("0 0:1.5 2:2\n1 1:3");  // no final newline
  const LibsvmData result = read_libsvm(file.path(), {.zero_based = true});
  Matrix expected(3, 2);
  expected << 1.5, 0.0,  //
      0.0, 3.0,          //
      2.0, 0.0;
  EXPECT_EQ(result.dataset.features, expected);
  EXPECT_EQ(result.dataset.labels, (std::vector<int>{0, 1}));
  EXPECT_EQ(result.label_values, (std::vector<double>{0.0, 1.0}));
}

TEST(ReadLibsvm, ExplicitNumFeaturesPadsWithZeroRows) {
  const TempFile file("1 1:1 3:3\n2 2:2\n");
  const LibsvmData result = read_libsvm(file.path(), {.num_features = 5});
  Matrix expected = Matrix::Zero(5, 2);
  expected(0, 0) = 1.0;
  expected(2, 0) = 3.0;
  expected(1, 1) = 2.0;
  EXPECT_EQ(result.dataset.features, expected);
}

TEST(ReadLibsvm, ExplicitNumFeaturesAllowsSamplesWithoutFeatures) {
  const TempFile file("1\n0\n");
  const LibsvmData result = read_libsvm(file.path(), {.num_features = 2});
  EXPECT_EQ(result.dataset.features, Matrix::Zero(2, 2));
  EXPECT_EQ(result.dataset.labels, (std::vector<int>{1, 0}));
}

TEST(ReadLibsvm, DistinctLabelsBecomeClassesInAscendingOrder) {
  const TempFile file("3 1:1\n1.5 1:2\n3 1:3\n-2 1:4\n3e0 1:5\n");
  const LibsvmData result = read_libsvm(file.path());
  EXPECT_EQ(result.label_values, (std::vector<double>{-2.0, 1.5, 3.0}));
  EXPECT_EQ(result.dataset.num_classes, 3);
  EXPECT_EQ(result.dataset.labels, (std::vector<int>{2, 1, 2, 0, 2}));
}

TEST(ReadLibsvmErrors, IndexZeroInOneBasedFile) {
  expect_format_error("# comment\n1 1:1\n1 0:1\n", 3,
                      "feature index 0 is not positive (indices are 1-based)");
}

TEST(ReadLibsvmErrors, NegativeIndexInZeroBasedFile) {
  expect_format_error("1 0:1\n\n1 -1:2\n", 3, "feature index -1 is negative (indices are 0-based)",
                      {.zero_based = true});
}

TEST(ReadLibsvmErrors, TokenWithoutColon) {
  expect_format_error("1 1:1\n1 abc\n", 2, "expected INDEX:VALUE, got 'abc'");
  expect_format_error("1 3:\n", 1, "expected INDEX:VALUE, got '3:'");
  expect_format_error("1 :3\n", 1, "expected INDEX:VALUE, got ':3'");
}

TEST(ReadLibsvmErrors, IndexThatIsNotAnInteger) {
  expect_format_error("1 1:1\n1 a:1\n", 2, "feature index 'a' is not an integer");
  expect_format_error("1 1.5:1\n", 1, "feature index '1.5' is not an integer");
  expect_format_error("1 99999999999999999999:1\n", 1,
                      "feature index 99999999999999999999 is too large");
}

TEST(ReadLibsvmErrors, IndicesThatDoNotIncrease) {
  expect_format_error("1 1:1\n\n1 7:1 5:2\n", 3, "feature indices must increase: 5 after 7");
  expect_format_error("1 3:1 3:2\n", 1, "feature indices must increase: 3 after 3");
}

TEST(ReadLibsvmErrors, ValueThatIsNotAFiniteNumber) {
  expect_format_error("1 1:1\n1 3:nanx\n", 2, "value 'nanx' of feature 3 is not a number");
  expect_format_error("1 3:1,5\n", 1, "value '1,5' of feature 3 is not a number");
  expect_format_error("1 3:inf\n", 1, "value 'inf' of feature 3 is not finite");
  expect_format_error("1 3:1e999\n", 1, "value '1e999' of feature 3 is out of the range");
}

TEST(ReadLibsvmErrors, LabelThatIsNotAFiniteNumber) {
  expect_format_error("1 1:1\n# c\nx 1:1\n", 3, "label 'x' is not a number");
  expect_format_error("+-1 1:1\n", 1, "label '+-1' is not a number");
  expect_format_error("nan 1:1\n", 1, "label 'nan' is not finite");
  expect_format_error("1:1\n", 1, "label '1:1' is not a number");
}

TEST(ReadLibsvmErrors, IndexBeyondExplicitNumFeatures) {
  expect_format_error("1 1:1\n1 120:1\n", 2, "feature index 120 exceeds num_features (100)",
                      {.num_features = 100});
  expect_format_error("1 3:1\n", 1, "feature index 3 must be less than num_features (3)",
                      {.num_features = 3, .zero_based = true});
}

TEST(ReadLibsvmErrors, FileWithoutSamples) {
  expect_format_error("", 0, "contains no samples");
  expect_format_error("# only a comment\n\n   \n", 0, "contains no samples");
}

TEST(ReadLibsvmErrors, FileWithoutFeaturesNeedsNumFeatures) {
  expect_format_error("1\n-1\n", 0, "set num_features");
}

TEST(ReadLibsvmErrors, MissingFileNamesThePath) {
  const auto path = std::filesystem::temp_directory_path() / "dsgdlab_no_such_file.libsvm";
  try {
    read_libsvm(path);
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("does not exist"), std::string::npos) << error.what();
  }
}

TEST(ReadLibsvmErrors, DirectoryIsNotARegularFile) {
  const TempFile file("1 1:1\n");
  try {
    read_libsvm(file.directory());
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("not a regular file"), std::string::npos)
        << error.what();
  }
}

TEST(LibsvmReadOptions, RejectsNegativeNumFeatures) {
  const TempFile file("1 1:1\n");
  try {
    read_libsvm(file.path(), {.num_features = -1});
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("libsvm.num_features (-1) must be non-negative"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace dsgdlab
