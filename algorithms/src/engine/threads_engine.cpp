#include "dsgdlab/algorithms/engine/threads_engine.hpp"

#include <algorithm>
#include <cmath>
#include <latch>

#include "threads_context.hpp"

namespace dsgdlab {
namespace threads {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void ThreadsContext::delay_compute(int worker, double measured_s) {
  const double factor = cost.next_compute_time(worker) / setup.cost.compute_time_s;
  if (factor > 1.0) sleep_for((factor - 1.0) * measured_s);
}

void ThreadsContext::delay_message(int u, int v) const {
  sleep_for(cost.message_time(u, v, model_bytes));
}

void ThreadsContext::sleep_for(double seconds) {
  if (seconds > 0.0 && std::isfinite(seconds)) {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }
}

void run_on_threads(int n, const std::function<void(int)>& body,
                    const std::function<void()>& on_error) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(n));
  std::latch ready(n);  // every worker starts together, not in thread-creation order
  for (int i = 0; i < n; ++i) {
    workers.emplace_back([&, i] {
      ready.arrive_and_wait();
      try {
        body(i);
      } catch (...) {
        errors[static_cast<std::size_t>(i)] = std::current_exception();
        on_error();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace threads

RunResult run_threads(const RunSetup& setup, const ProgressCallback& progress) {
  setup.validate();
  threads::ThreadsContext context(setup, progress);
  switch (setup.algorithm.kind) {
    case AlgorithmKind::kAdpsgd: threads::run_adpsgd(context); break;
    case AlgorithmKind::kApsgd: threads::run_apsgd(context); break;
    default: threads::run_rounds(context); break;
  }
  return context.finish();
}

}  // namespace dsgdlab
