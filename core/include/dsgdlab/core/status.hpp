#pragma once

/// The outcome of a run. Diverging or hitting a limit is a result to report, not an error.

#include <string>
#include <string_view>
#include <utility>

namespace dsgdlab {

enum class StatusCode {
  kOk,              ///< finished the planned iterations
  kDiverged,        ///< a model or loss became NaN or infinite
  kIterationLimit,  ///< stopped at the iteration limit before the target was reached
  kTimeLimit,       ///< stopped at the (virtual or wall) time limit
  kFailed,          ///< an internal failure, described in the message
};

/// Stable lower-case name used in summary.json ("ok", "diverged", "iteration_limit", ...).
std::string_view to_string(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status diverged(std::string message) {
    return {StatusCode::kDiverged, std::move(message)};
  }
  static Status iteration_limit(std::string message) {
    return {StatusCode::kIterationLimit, std::move(message)};
  }
  static Status time_limit(std::string message) {
    return {StatusCode::kTimeLimit, std::move(message)};
  }
  static Status failed(std::string message) { return {StatusCode::kFailed, std::move(message)}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// "ok", or "diverged: loss is NaN at iteration 812".
  std::string to_string() const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace dsgdlab
