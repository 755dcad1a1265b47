#pragma once

#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

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

} // namespace av::net
