#pragma once

// The fan-out benchmark's viewers: a lean WebSocket client, so that the load
// client takes as little as possible of the CPU it shares with the server
// under test. One thread per core, each with its own epoll set of
// non-blocking sockets, large reads drained until EAGAIN into one buffer per
// thread, and frames parsed in place (ws_frame.hpp).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ws_frame.hpp"

namespace viewer_client {

struct options {
  uint16_t port = 0;
  uint32_t viewers = 0;
  uint32_t threads = 1;
  /// SO_RCVBUF of every socket, set before connecting; 0 leaves the
  /// kernel's autotuning.
  int rcvbuf = 0;
  /// The subscribe message of viewer 0 (the probe) and of the others.
  std::string probe_subscribe;
  std::string subscribe;
  /// Bytes kept of a text message to a viewer other than the probe (the
  /// probe keeps whole messages).
  size_t text_limit = 512;
};

/// Called on a viewer's thread for every data message: `thread` indexes
/// per-thread state, `probe` is true for viewer 0.
using message_handler = std::function<void(uint32_t thread, bool probe,
                                           const ws_frame::message& msg)>;

class io_thread;

class pool {
public:
  /// Starts the threads, which connect, upgrade and subscribe the viewers
  /// (viewer i on thread i % threads).
  pool(options opts, message_handler on_message);
  ~pool();
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  /// Viewers that sent their subscribe message.
  uint32_t ready() const { return ready_; }
  /// Viewers that could not connect, upgrade or subscribe.
  uint32_t failed() const { return failed_; }
  /// Subscribed viewers that the server closed (close frame, EOF, error).
  uint32_t closed() const { return closed_; }
  /// Why the first viewer failed or was closed; empty when none was.
  std::string first_problem() const;

  /// Stops the threads and closes every socket.
  void stop();

private:
  friend class io_thread;
  void problem(const std::string& what);

  options opts_;
  message_handler on_message_;
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> ready_{0};
  std::atomic<uint32_t> failed_{0};
  std::atomic<uint32_t> closed_{0};
  mutable std::mutex problem_mtx_;
  std::string problem_;
  std::vector<std::unique_ptr<io_thread>> io_;
  std::vector<std::thread> threads_;
};

} // namespace viewer_client
