#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "av/base/connection_url.hpp"

/// A small synchronous Redis client over hiredis: connect with AUTH and
/// SELECT, single commands and pipelines. Not thread-safe; one owner.
namespace av::persistence::detail {

/// The connection is gone or the server cannot be reached.
class redis_unavailable : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The server answered a command with an error.
class redis_refused : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct reply_deleter {
  void operator()(redisReply* x) const { freeReplyObject(x); }
};

using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

using command = std::vector<std::string>;

class redis_client {
public:
  /// Connects, authenticates and selects the database of `url`. Throws
  /// redis_unavailable (or redis_refused for a wrong password).
  redis_client(const connection_url& url, std::chrono::milliseconds timeout);

  /// Runs one command and returns its reply; throws redis_unavailable, and
  /// redis_refused for an error reply.
  reply_ptr run(const command& cmd);

  /// Sends `count` commands already in RESP (`bytes`), then reads their
  /// replies (pipelining). Error replies do not stop the pipeline; returns
  /// how many there were. Throws redis_unavailable.
  size_t pipeline(std::string_view bytes, size_t count);

  /// Reads the next reply without sending anything (a subscriber's next
  /// message); throws redis_unavailable, also when the timeout passes.
  reply_ptr receive();

private:
  std::unique_ptr<redisContext, void (*)(redisContext*)> ctx_;
};

} // namespace av::persistence::detail
