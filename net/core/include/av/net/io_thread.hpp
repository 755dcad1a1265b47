#pragma once

#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "av/base/log.hpp"

namespace av::net {

/// Runs `ioc` on a thread of its own until it runs out of work; an exception
/// from a handler is logged and the loop goes on. `owner` keeps whatever
/// owns `ioc` alive while the thread runs.
template <class Owner>
std::thread run_io_thread(std::shared_ptr<Owner> owner,
                          boost::asio::io_context& ioc, const char* name) {
  return std::thread{[owner, &ioc, name] {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        log::error("network thread caught an exception",
                   {{"thread", name}, {"error", e.what()}});
      }
    }
  }};
}

/// Runs, on the calling thread, what was queued on `ioc` after its thread
/// ran out of work (a close posted by shutdown just then, an actor's late
/// answer). Left queued, such a handler would hold its session, the session
/// its server and the server `ioc`: none would ever be freed, nor the actor
/// handles the server keeps, and the actor system would wait for them.
inline void run_leftovers(boost::asio::io_context& ioc) {
  ioc.restart();
  ioc.poll();
}

/// Posts to an I/O context until its thread has ended for good. A handler
/// queued after that would never run, and as it holds its session, which
/// holds the server and its io_context, nothing of the server would ever be
/// freed (nor the actor handles it keeps, which keeps the actor system from
/// shutting down).
class post_gate {
public:
  /// Queues `fn` on `ex` unless ended; returns whether it queued.
  template <class Executor, class F>
  bool post(const Executor& ex, F&& fn) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (ended_)
      return false;
    boost::asio::post(ex, std::forward<F>(fn));
    return true;
  }

  /// Once the threads running the contexts have ended: refuses further
  /// posts, then runs what was queued on `ioc` (call for each context; a
  /// leftover of one that posts to another is refused).
  void close(boost::asio::io_context& ioc) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      ended_ = true;
    }
    run_leftovers(ioc);
  }

private:
  std::mutex mtx_;
  bool ended_ = false;
};

} // namespace av::net
