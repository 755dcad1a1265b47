#pragma once

#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

namespace av::net {

/// The open connections of a server: each registers while it lives; once
/// the server stops, new ones are refused and the open ones closed.
/// `Session` has a `close()` callable from any thread.
template <class Session, class Key = const Session*>
class connection_set {
public:
  /// Registers `s` unless the set is closing or holds `limit` sessions;
  /// returns whether it did.
  bool add(Key key, const std::shared_ptr<Session>& s,
           size_t limit = std::numeric_limits<size_t>::max()) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closing_ || sessions_.size() >= limit)
      return false;
    sessions_.emplace(key, s);
    return true;
  }

  /// Forgets a session; true when it was registered.
  bool remove(Key key) {
    std::lock_guard<std::mutex> guard{mtx_};
    return sessions_.erase(key) > 0;
  }

  /// Refuses sessions from now on and closes the open ones.
  void close_all() {
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      closing_ = true;
      for (auto& kvp : sessions_)
        if (auto s = kvp.second.lock())
          open.push_back(std::move(s));
    }
    for (auto& s : open)
      s->close();
  }

private:
  std::mutex mtx_;
  bool closing_ = false;
  std::unordered_map<Key, std::weak_ptr<Session>> sessions_;
};

/// Closes `acceptor` on its I/O thread, where its accepts run; `owner`
/// keeps it alive until then.
template <class Owner>
void close_acceptor(std::shared_ptr<Owner> owner,
                    boost::asio::ip::tcp::acceptor& acceptor) {
  boost::asio::post(acceptor.get_executor(), [owner, &acceptor] {
    boost::system::error_code ignored;
    acceptor.close(ignored);
  });
}

} // namespace av::net
