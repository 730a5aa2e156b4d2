#include "dsgdlab/algorithms/engine/threads_engine.hpp"

#include <algorithm>
#include <cmath>
#include <latch>

#include "threads_context.hpp"

namespace dsgdlab {
namespace threads {

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
