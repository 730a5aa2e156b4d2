#include "wall_clock_context.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

namespace dsgdlab {

double seconds_since(EngineContext::Clock::time_point start) {
  return std::chrono::duration<double>(EngineContext::Clock::now() - start).count();
}

void WallClockContext::delay_compute(int worker, double measured_s) {
  const double factor = cost.next_compute_time(worker) / setup.cost.compute_time_s;
  if (factor > 1.0) sleep_for((factor - 1.0) * measured_s);
}

void WallClockContext::delay_message(int u, int v) const {
  sleep_for(cost.message_time(u, v, model_bytes));
}

void WallClockContext::delay_neighbor_messages(const SparseMatrix& mixing, int worker) const {
  double slowest_message_s = 0.0;
  for (SparseMatrix::InnerIterator it(mixing, worker); it; ++it) {
    if (it.row() == worker) continue;
    slowest_message_s = std::max(
        slowest_message_s, cost.message_time(static_cast<int>(it.row()), worker, model_bytes));
  }
  sleep_for(slowest_message_s);
}

void WallClockContext::sleep_for(double seconds) {
  if (seconds > 0.0 && std::isfinite(seconds)) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
}

}  // namespace dsgdlab
