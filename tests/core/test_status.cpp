#include <gtest/gtest.h>

#include "dsgdlab/core/errors.hpp"
#include "dsgdlab/core/status.hpp"

namespace dsgdlab {
namespace {

TEST(Status, DefaultIsOk) {
  const Status status;
  EXPECT_TRUE(status.is_ok());
  EXPECT_EQ(status.to_string(), "ok");
  EXPECT_EQ(status, Status::ok());
}

TEST(Status, OutcomesCarryTheirNameAndMessage) {
  EXPECT_EQ(Status::diverged("loss is NaN at iteration 812").to_string(),
            "diverged: loss is NaN at iteration 812");
  EXPECT_EQ(to_string(StatusCode::kIterationLimit), "iteration_limit");
  EXPECT_EQ(to_string(StatusCode::kTimeLimit), "time_limit");
  EXPECT_FALSE(Status::failed("x").is_ok());
}

TEST(Errors, InvalidOptionNamesFieldValueAndRule) {
  const InputError error =
      invalid_option("hsgd.global_period", 10, "must be a multiple of hsgd.local_period (4)");
  EXPECT_STREQ(error.what(), "hsgd.global_period (10) must be a multiple of hsgd.local_period (4)");
  EXPECT_STREQ(
      invalid_option("problem.name", std::string("quadratc"), "is not a known problem").what(),
      "problem.name (\"quadratc\") is not a known problem");
}

TEST(Errors, FileFormatErrorNamesFileAndLine) {
  const FileFormatError error("data/train.svm", 12, "feature index 0 is not positive");
  EXPECT_STREQ(error.what(), "data/train.svm:12: feature index 0 is not positive");
  EXPECT_EQ(error.line(), 12u);
  EXPECT_STREQ(FileFormatError("x.txt", 0, "empty file").what(), "x.txt: empty file");
}

}  // namespace
}  // namespace dsgdlab
