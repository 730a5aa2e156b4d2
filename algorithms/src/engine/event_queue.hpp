#pragma once

// Internal to the sim engine: the event queue of asynchronous algorithms. Events are ordered by
// (virtual time, worker id, sequence number), so simultaneous events resolve by worker id and
// a run is a pure function of its configuration (theory.md §3).

#include <cstdint>
#include <queue>
#include <tuple>
#include <vector>

namespace dsgdlab::sim {

enum class EventType {
  kGradientReady,  ///< a worker finished computing its stochastic gradient
  kApply,          ///< a worker's update reaches its model (or the server)
  kPull,           ///< A-PSGD: a worker asks the server for the model
};

struct Event {
  double time_s = 0.0;
  int worker = 0;
  std::uint64_t sequence = 0;
  EventType type = EventType::kGradientReady;
  int partner = -1;  ///< AD-PSGD: the worker averaged with, −1 for none
};

class EventQueue {
 public:
  void push(double time_s, int worker, EventType type, int partner = -1) {
    heap_.push(Event{time_s, worker, next_sequence_++, type, partner});
  }
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.top(); }
  Event pop() {
    Event event = heap_.top();
    heap_.pop();
    return event;
  }

 private:
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return std::tie(a.time_s, a.worker, a.sequence) > std::tie(b.time_s, b.worker, b.sequence);
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace dsgdlab::sim
