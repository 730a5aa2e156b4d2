#include "progress_line.hpp"

#include <algorithm>
#include <cmath>

namespace dsgdlab {

ProgressLine::ProgressLine(std::ostream& out, bool enabled, std::string label, std::string unit)
    : out_(out),
      enabled_(enabled),
      label_(std::move(label)),
      unit_(std::move(unit)),
      start_(Clock::now()) {
  last_draw_ = start_ - kMinInterval;
}

ProgressCallback ProgressLine::callback() {
  if (!enabled_) return {};
  return [this](std::int64_t done, std::int64_t total) { update(done, total); };
}

void ProgressLine::update(std::int64_t done, std::int64_t total) {
  const auto now = Clock::now();
  if (now - last_draw_ < kMinInterval) return;
  last_draw_ = now;
  std::string text =
      label_ + ": " + std::to_string(done) + "/" + std::to_string(total) + " " + unit_;
  if (total > 0) {
    const auto fraction = static_cast<double>(done) / static_cast<double>(total);
    text += " (" + std::to_string(static_cast<int>(100.0 * fraction)) + "%)";
    const double elapsed_s = std::chrono::duration<double>(now - start_).count();
    if (done > 0 && done < total) {
      const double remaining_s = elapsed_s * (1.0 - fraction) / fraction;
      text += ", ETA " + std::to_string(static_cast<long long>(std::ceil(remaining_s))) + " s";
    }
  }
  const std::size_t width = text.size();
  if (width < drawn_width_) text.append(drawn_width_ - width, ' ');
  drawn_width_ = std::max(drawn_width_, width);
  out_ << '\r' << text << std::flush;
}

void ProgressLine::finish() {
  if (!enabled_ || drawn_width_ == 0) return;
  out_ << '\r' << std::string(drawn_width_, ' ') << '\r' << std::flush;
  drawn_width_ = 0;
}

}  // namespace dsgdlab
