#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "av/ws/hub.hpp"

namespace av::test {

/// Stands in for a WebSocket connection: records what the hub hands it.
struct recording_outlet : ws_outlet {
  std::mutex mtx;
  std::condition_variable cv;
  /// Frame numbers and payloads of the frame parts, in arrival order.
  std::vector<uint64_t> frames;
  std::vector<ws_payload> payloads;
  /// The last control message (the `subscribed` answer).
  std::string control;
  bool subscribed = false;

  /// Event payloads (JSON text), in arrival order.
  std::vector<std::string> events;

  void push_events(std::vector<ws_payload> xs, uint64_t) override {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& x : xs)
      events.push_back(*x);
    cv.notify_all();
  }

  void push_frame(uint64_t frame, ws_payload x) override {
    std::lock_guard<std::mutex> guard{mtx};
    frames.push_back(frame);
    payloads.push_back(std::move(x));
    cv.notify_all();
  }

  void push_control(ws_payload x) override {
    std::lock_guard<std::mutex> guard{mtx};
    control = *x;
    subscribed = true;
    cv.notify_all();
  }

  /// Waits until `pred` holds (under the lock); false after ten seconds.
  template <class Pred>
  bool wait(Pred pred) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, std::chrono::seconds{10}, pred);
  }
};

} // namespace av::test
