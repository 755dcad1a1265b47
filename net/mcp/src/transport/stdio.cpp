#include <atomic>
#include <condition_variable>
#include <istream>
#include <mutex>
#include <ostream>

#include "av/mcp/server.hpp"

namespace av {

void serve_stdio(mcp_server& server, std::istream& in, std::ostream& out,
                 std::chrono::milliseconds drain) {
  // Answers come from actor threads: one line at a time, flushed, so the
  // client sees each as soon as it is ready.
  struct shared {
    std::mutex mtx;
    std::condition_variable cv;
    size_t pending = 0;
  };
  auto st = std::make_shared<shared>();
  auto* os = &out;
  server.notify_stdio([st, os](std::string line) {
    std::lock_guard<std::mutex> guard{st->mtx};
    *os << line << '\n';
    os->flush();
  });
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r")
      continue;
    {
      std::lock_guard<std::mutex> guard{st->mtx};
      ++st->pending;
    }
    auto answered = std::make_shared<std::atomic<bool>>(false);
    auto finish = [st, answered] {
      if (answered->exchange(true))
        return;
      std::lock_guard<std::mutex> guard{st->mtx};
      --st->pending;
      st->cv.notify_all();
    };
    bool answers
      = server.handle_line(line, [st, os, finish](std::string answer) {
          {
            std::lock_guard<std::mutex> guard{st->mtx};
            *os << answer << '\n';
            os->flush();
          }
          finish();
        });
    // Notifications get no answer: done once handled.
    if (!answers)
      finish();
  }
  // The client closed stdin: let answers in flight go out first.
  std::unique_lock<std::mutex> guard{st->mtx};
  st->cv.wait_for(guard, drain, [&] { return st->pending == 0; });
}

} // namespace av
