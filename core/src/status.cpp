#include "dsgdlab/core/status.hpp"

namespace dsgdlab {

std::string_view to_string(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kDiverged: return "diverged";
    case StatusCode::kIterationLimit: return "iteration_limit";
    case StatusCode::kTimeLimit: return "time_limit";
    case StatusCode::kFailed: return "failed";
  }
  return "unknown";
}

std::string Status::to_string() const {
  std::string text(dsgdlab::to_string(code_));
  if (!message_.empty()) {
    text += ": ";
    text += message_;
  }
  return text;
}

}  // namespace dsgdlab
