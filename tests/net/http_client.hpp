#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>
#include <nlohmann/json.hpp>

namespace av::test {

/// What a request got back. `status` is 0 when no response arrived (see
/// `error`).
struct http_result {
  int status = 0;
  std::string body;
  nlohmann::json json;
  /// Header names in lower case.
  std::map<std::string, std::string> headers;
  bool keep_alive = false;
  std::string error;

  std::string header(const std::string& name) const {
    auto i = headers.find(name);
    return i != headers.end() ? i->second : std::string{};
  }
};

/// A small HTTP/1.1 client over loopback. Blocking for the caller, with a
/// deadline on every step so that a misbehaving server fails a test instead
/// of hanging it. Keeps its connection open between requests while the
/// server allows. Compiled once (http_client.cpp): Beast's templates are
/// most of a test file's compile time.
class http_client {
public:
  using verb = boost::beast::http::verb;
  using headers_t = std::vector<std::pair<std::string, std::string>>;

  explicit http_client(uint16_t port, std::chrono::milliseconds timeout
                                      = std::chrono::seconds{10});
  ~http_client();

  bool connected() const;

  http_result request(verb method, const std::string& target,
                      std::string body = {}, headers_t headers = {});

  /// Sends raw bytes as they are and reads a response, if any.
  http_result raw(const std::string& bytes);

  /// Sends bytes without waiting for an answer.
  bool send_only(const std::string& bytes);

  /// Waits until the server closes the connection; false on timeout.
  bool wait_closed();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace av::test
