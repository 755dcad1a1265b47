#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
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
/// server allows.
class http_client {
public:
  using verb = boost::beast::http::verb;
  using headers_t = std::vector<std::pair<std::string, std::string>>;

  explicit http_client(uint16_t port, std::chrono::milliseconds timeout
                                      = std::chrono::seconds{10})
    : port_(port), timeout_(timeout), stream_(ioc_) {
    // nop
  }

  bool connected() const { return connected_; }

  http_result request(verb method, const std::string& target,
                      std::string body = {}, headers_t headers = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (auto& kvp : headers)
      req.set(kvp.first, kvp.second);
    if (!body.empty() || method == verb::post || method == verb::put) {
      if (req[http::field::content_type].empty())
        req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
    }
    req.keep_alive(true);
    req.prepare_payload();
    http_result result;
    if (!ensure_connected(result))
      return result;
    bool done = false;
    boost::beast::error_code err;
    http::async_write(stream_, req, [&](boost::beast::error_code ec, size_t) {
      err = ec;
      done = true;
    });
    if (!run(done, result) || fail(err, result))
      return result;
    read_response(result, method == verb::head);
    return result;
  }

  /// Sends raw bytes as they are and reads a response, if any.
  http_result raw(const std::string& bytes) {
    http_result result;
    if (!ensure_connected(result))
      return result;
    bool done = false;
    boost::beast::error_code err;
    boost::asio::async_write(stream_.socket(), boost::asio::buffer(bytes),
                             [&](boost::beast::error_code ec, size_t) {
                               err = ec;
                               done = true;
                             });
    if (!run(done, result) || fail(err, result))
      return result;
    read_response(result);
    return result;
  }

  /// Sends bytes without waiting for an answer.
  bool send_only(const std::string& bytes) {
    http_result result;
    if (!ensure_connected(result))
      return false;
    bool done = false;
    boost::beast::error_code err;
    boost::asio::async_write(stream_.socket(), boost::asio::buffer(bytes),
                             [&](boost::beast::error_code ec, size_t) {
                               err = ec;
                               done = true;
                             });
    return run(done, result) && !err;
  }

  /// Waits until the server closes the connection; false on timeout.
  bool wait_closed() {
    char buf[256];
    for (;;) {
      bool done = false;
      boost::beast::error_code err;
      stream_.socket().async_read_some(
        boost::asio::buffer(buf), [&](boost::beast::error_code ec, size_t) {
          err = ec;
          done = true;
        });
      http_result ignored;
      if (!run(done, ignored))
        return false;
      if (err) {
        connected_ = false;
        return true;
      }
    }
  }

private:
  bool ensure_connected(http_result& result) {
    if (connected_)
      return true;
    namespace asio = boost::asio;
    stream_.close();
    buffer_.clear();
    bool done = false;
    boost::beast::error_code err;
    asio::ip::tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), port_};
    stream_.async_connect(ep, [&](boost::beast::error_code ec) {
      err = ec;
      done = true;
    });
    if (!run(done, result) || fail(err, result))
      return false;
    connected_ = true;
    return true;
  }

  /// `head`: the answer to HEAD, whose Content-Length has no body behind it.
  void read_response(http_result& result, bool head = false) {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);
    bool done = false;
    boost::beast::error_code err;
    http::async_read(stream_, buffer_, parser,
                     [&](boost::beast::error_code ec, size_t) {
                       err = ec;
                       done = true;
                     });
    if (!run(done, result) || fail(err, result))
      return;
    auto res = parser.release();
    result.status = static_cast<int>(res.result_int());
    result.body = res.body();
    result.keep_alive = res.keep_alive();
    for (auto& field : res) {
      std::string name{field.name_string()};
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[name] = std::string{field.value()};
    }
    result.json = nlohmann::json::parse(result.body, nullptr, false);
    if (!result.keep_alive)
      connected_ = false;
  }

  /// Runs the io_context until `done` or the deadline.
  bool run(bool& done, http_result& result) {
    ioc_.restart();
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (!done && std::chrono::steady_clock::now() < deadline)
      ioc_.run_one_until(deadline);
    if (done)
      return true;
    // Cancel and let the handler run so that nothing refers to our locals.
    stream_.close();
    ioc_.restart();
    while (!done)
      ioc_.run_one();
    connected_ = false;
    result.error = "timeout";
    return false;
  }

  bool fail(const boost::beast::error_code& err, http_result& result) {
    if (!err)
      return false;
    connected_ = false;
    result.error = err.message();
    return true;
  }

  uint16_t port_;
  std::chrono::milliseconds timeout_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
};

} // namespace av::test
