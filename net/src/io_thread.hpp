#pragma once

#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "av/log.hpp"

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

/// Posts to an I/O context until its thread has ended for good, then
/// refuses: a handler queued after `run_leftovers` would never run, and as
/// it holds its session, the session its server and the server the
/// io_context, none would ever be freed (nor the actor handles the server
/// keeps, so the actor system would wait for them). Thread-safe.
class post_gate {
public:
  /// Queues `fn` on `ex` unless closed; returns whether it queued.
  template <class Executor, class F>
  bool post(const Executor& ex, F&& fn) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return false;
    boost::asio::post(ex, std::forward<F>(fn));
    return true;
  }

  /// Once the thread running `ioc` has ended: refuses further posts and
  /// runs what was queued before.
  void close(boost::asio::io_context& ioc) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      closed_ = true;
    }
    run_leftovers(ioc);
  }

private:
  std::mutex mtx_;
  bool closed_ = false;
};

} // namespace av::net
