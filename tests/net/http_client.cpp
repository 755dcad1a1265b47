#include "http_client.hpp"

#include <cctype>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace av::test {

struct http_client::impl {
  impl(uint16_t port, std::chrono::milliseconds timeout)
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
    if (write_bytes(bytes, result))
      read_response(result);
    return result;
  }

  /// Sends bytes without waiting for an answer.
  bool send_only(const std::string& bytes) {
    http_result result;
    return write_bytes(bytes, result);
  }

  /// Writes `bytes` to the socket as they are; false (with `result`'s
  /// error) on failure or timeout.
  bool write_bytes(const std::string& bytes, http_result& result) {
    if (!ensure_connected(result))
      return false;
    bool done = false;
    boost::beast::error_code err;
    boost::asio::async_write(stream_.socket(), boost::asio::buffer(bytes),
                             [&](boost::beast::error_code ec, size_t) {
                               err = ec;
                               done = true;
                             });
    return run(done, result) && !fail(err, result);
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

http_client::http_client(uint16_t port, std::chrono::milliseconds timeout)
  : impl_(std::make_unique<impl>(port, timeout)) {
  // nop
}

http_client::~http_client() = default;

bool http_client::connected() const {
  return impl_->connected();
}

http_result http_client::request(verb method, const std::string& target,
                                 std::string body, headers_t headers) {
  return impl_->request(method, target, std::move(body), std::move(headers));
}

http_result http_client::raw(const std::string& bytes) {
  return impl_->raw(bytes);
}

bool http_client::send_only(const std::string& bytes) {
  return impl_->send_only(bytes);
}

bool http_client::wait_closed() {
  return impl_->wait_closed();
}

} // namespace av::test
