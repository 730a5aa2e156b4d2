#pragma once

// Internal to the threads engine: what every algorithm's threaded run shares.

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "dsgdlab/algorithms/engine/threads_engine.hpp"
#include "wall_clock_context.hpp"

namespace dsgdlab::threads {

using Clock = std::chrono::steady_clock;

using ThreadsContext = WallClockContext;

/// Runs body(i) on threads 0..n−1 and joins them. A thread whose body throws calls on_error
/// (so the others can leave their loops: it runs once per failing thread, on that thread),
/// and the first exception is rethrown here after every thread has joined.
void run_on_threads(int n, const std::function<void(int)>& body,
                    const std::function<void()>& on_error);

/// Synchronous algorithms (rounds with a barrier).
void run_rounds(ThreadsContext& context);
/// AD-PSGD with per-worker locks.
void run_adpsgd(ThreadsContext& context);
/// A-PSGD with a locked server.
void run_apsgd(ThreadsContext& context);

}  // namespace dsgdlab::threads
