#pragma once

// A progress line on a terminal (private to dsgdlab::experiments): "\rLABEL: 1200/2000
// iterations (60%), ETA 3 s", redrawn at most every 100 ms and erased at the end. Disabled, it
// prints nothing, so callers need not branch on whether the stream is a terminal.

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "dsgdlab/algorithms/engine/sim_engine.hpp"

namespace dsgdlab {

class ProgressLine {
 public:
  /// `unit` names what is counted ("iterations", "runs").
  ProgressLine(std::ostream& out, bool enabled, std::string label, std::string unit = "iterations");
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { finish(); }

  /// A callback that updates this line; it must not outlive the ProgressLine.
  ProgressCallback callback();
  /// Erases the line (once).
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kMinInterval{100};

  void update(std::int64_t done, std::int64_t total);

  std::ostream& out_;
  bool enabled_;
  std::string label_;
  std::string unit_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  std::size_t drawn_width_ = 0;
};

}  // namespace dsgdlab
