#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/io.hpp"

namespace dsgdlab {
namespace {

namespace fs = std::filesystem;

class IoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dsgdlab_io_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(IoTest, AtomicWriteCreatesDirectoriesAndReplacesContent) {
  const auto path = dir_ / "a" / "b" / "file.txt";
  write_file_atomically(path, "first");
  EXPECT_EQ(read_file(path), "first");
  write_file_atomically(path, "second, longer");
  EXPECT_EQ(read_file(path), "second, longer");
  // No temporary files are left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(path.parent_path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(IoTest, FailedWriteKeepsThePreviousFile) {
  const auto path = dir_ / "keep.txt";
  write_file_atomically(path, "precious");
  // A directory where the temporary file would go cannot be written once it is read-only;
  // root ignores permissions, so instead make the target a directory: rename fails.
  const auto blocked = dir_ / "blocked";
  fs::create_directories(blocked / "child");
  EXPECT_THROW(write_file_atomically(blocked, "x"), std::runtime_error);
  EXPECT_TRUE(fs::is_directory(blocked / "child"));
  EXPECT_EQ(read_file(path), "precious");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 2);  // keep.txt and blocked/, no stray temporary
}

TEST_F(IoTest, ReadMissingFileNamesThePath) {
  try {
    read_file(dir_ / "missing.txt");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos);
  }
}

TEST(FormatDouble, RoundTripsAndNamesNonFinite) {
  for (double v : {0.1, 1.0 / 3.0, -2.5e-300, 6.02214076e23, 0.0}) {
    const std::string text = format_double(v);
    EXPECT_EQ(std::stod(text), v) << text;
  }
  EXPECT_EQ(format_double(0.5), "0.5");
  EXPECT_EQ(format_double(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(format_double(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST_F(IoTest, CsvTableQuotesAndChecksWidth) {
  CsvTable table({"iteration", "loss", "note"});
  table.add_row({std::int64_t{0}, 1.5, std::string("plain")});
  table.add_row({std::int64_t{10}, 0.25, std::string("has, comma and \"quote\"")});
  EXPECT_EQ(table.to_string(),
            "iteration,loss,note\n0,1.5,plain\n10,0.25,\"has, comma and \"\"quote\"\"\"\n");
  EXPECT_THROW(table.add_row({1.0}), std::invalid_argument);
  const auto path = dir_ / "trace.csv";
  table.write(path);
  EXPECT_EQ(read_file(path), table.to_string());
}

TEST_F(IoTest, JsonRoundTripAndSyntaxErrorLine) {
  const auto path = dir_ / "summary.json";
  nlohmann::json value = {{"status", "ok"}, {"iterations", 100}, {"loss", 0.125}};
  write_json_atomically(path, value);
  EXPECT_EQ(read_json(path), value);

  const auto bad = dir_ / "bad.json";
  write_file_atomically(bad, "{\n  \"a\": 1,\n  \"b\": ]\n}\n");
  try {
    read_json(bad);
    FAIL() << "expected FileFormatError";
  } catch (const FileFormatError& e) {
    EXPECT_EQ(e.line(), 3u) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.json:3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dsgdlab
