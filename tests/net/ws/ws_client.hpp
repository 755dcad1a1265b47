#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace av::test {

/// A WebSocket client over loopback for tests. Every step runs with a
/// deadline, so a misbehaving server fails a test instead of hanging it.
class ws_client {
public:
  using headers_t = std::vector<std::pair<std::string, std::string>>;
  using clock = std::chrono::steady_clock;

  struct message {
    bool binary = false;
    std::string data;
    nlohmann::json json;
  };

  struct options {
    std::string target = "/ws";
    headers_t headers;
    bool compression = false;
    /// SO_RCVBUF of the socket; 0 keeps the default. A small one makes a
    /// client that stops reading fall behind quickly.
    int receive_buffer = 0;
    std::chrono::milliseconds timeout{5000};
  };

  explicit ws_client(uint16_t port) : ws_client(port, options{}) {
    // nop
  }

  ws_client(uint16_t port, options opts) : opts_(std::move(opts)), ws_(ioc_) {
    namespace beast = boost::beast;
    namespace websocket = beast::websocket;
    auto& sock = beast::get_lowest_layer(ws_);
    boost::system::error_code err;
    sock.socket().open(boost::asio::ip::tcp::v4(), err);
    if (opts_.receive_buffer > 0)
      sock.socket().set_option(
        boost::asio::socket_base::receive_buffer_size(opts_.receive_buffer),
        err);
    bool done = false;
    sock.async_connect({boost::asio::ip::make_address("127.0.0.1"), port},
                       [&](boost::system::error_code e) {
                         err = e;
                         done = true;
                       });
    if (!run(done) || err) {
      error = err ? err.message() : "connect timed out";
      return;
    }
    if (opts_.compression) {
      websocket::permessage_deflate pmd;
      pmd.client_enable = true;
      ws_.set_option(pmd);
    }
    auto headers = opts_.headers;
    ws_.set_option(websocket::stream_base::decorator(
      [headers](websocket::request_type& req) {
        for (auto& kvp : headers)
          req.set(kvp.first, kvp.second);
      }));
    done = false;
    ws_.async_handshake(response_, "127.0.0.1", opts_.target,
                        [&](boost::system::error_code e) {
                          err = e;
                          done = true;
                        });
    if (!run(done) || err) {
      error = err ? err.message() : "handshake timed out";
      http_status = static_cast<int>(response_.result_int());
      return;
    }
    http_status = 101;
    connected = true;
  }

  ~ws_client() {
    boost::system::error_code ignored;
    boost::beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  /// Sends a text (or binary) message; false on failure or timeout.
  bool send_raw(const std::string& data, bool binary = false) {
    ws_.binary(binary);
    bool done = false;
    boost::system::error_code err;
    ws_.async_write(boost::asio::buffer(data),
                    [&](boost::system::error_code e, size_t) {
                      err = e;
                      done = true;
                    });
    return run(done) && !err;
  }

  bool send(const nlohmann::json& x) { return send_raw(x.dump()); }

  /// Writes bytes to the socket as they are, bypassing the WebSocket
  /// framing (e.g. a frame header that announces more than the limit).
  bool send_bytes(const std::string& bytes) {
    bool done = false;
    boost::system::error_code err;
    boost::asio::async_write(boost::beast::get_lowest_layer(ws_).socket(),
                             boost::asio::buffer(bytes),
                             [&](boost::system::error_code e, size_t) {
                               err = e;
                               done = true;
                             });
    return run(done) && !err;
  }

  /// The next message, or none on timeout or close (see `closed`).
  std::optional<message> read(std::chrono::milliseconds timeout) {
    if (!pending_.empty()) {
      auto next = std::move(pending_.front());
      pending_.pop_front();
      return next;
    }
    if (closed)
      return std::nullopt;
    if (!reading_) {
      reading_ = true;
      ws_.async_read(buffer_, [this](boost::system::error_code e, size_t) {
        read_err_ = e;
        read_done_ = true;
      });
    }
    if (!run(read_done_, timeout))
      return std::nullopt;
    reading_ = false;
    read_done_ = false;
    if (read_err_) {
      closed = true;
      close_reason = ws_.reason();
      error = read_err_.message();
      return std::nullopt;
    }
    message msg;
    msg.binary = ws_.got_binary();
    msg.data = boost::beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!msg.binary)
      msg.json = nlohmann::json::parse(msg.data, nullptr, false);
    if (msg.json.is_array() && !msg.json.empty()) {
      // Coalesced events: hand them out one at a time.
      ++arrays;
      for (auto& x : msg.json)
        pending_.push_back(message{false, x.dump(), x});
      auto next = std::move(pending_.front());
      pending_.pop_front();
      return next;
    }
    return msg;
  }

  /// Reads until a text message's `type` is `type` (skipping others), or
  /// the deadline.
  std::optional<nlohmann::json> read_type(const std::string& type,
                                          std::chrono::milliseconds timeout
                                          = std::chrono::milliseconds{5000}) {
    auto deadline = clock::now() + timeout;
    while (clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock::now());
      auto msg = read(left);
      if (!msg)
        return std::nullopt;
      if (!msg->binary && msg->json.is_object()
          && msg->json.value("type", "") == type)
        return msg->json;
    }
    return std::nullopt;
  }

  /// Reads until the server closes; true if it did before the deadline.
  bool await_close(std::chrono::milliseconds timeout
                   = std::chrono::milliseconds{10000}) {
    auto deadline = clock::now() + timeout;
    while (!closed && clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - clock::now());
      read(left);
    }
    return closed;
  }

  /// Sends a close frame and waits for the answer.
  void close() {
    bool done = false;
    ws_.async_close(boost::beast::websocket::close_code::normal,
                    [&](boost::system::error_code) { done = true; });
    run(done, std::chrono::milliseconds{2000});
    closed = true;
  }

  bool connected = false;
  bool closed = false;
  /// Text messages that carried coalesced events (a JSON array).
  size_t arrays = 0;
  int http_status = 0;
  std::string error;
  boost::beast::websocket::close_reason close_reason;

private:
  bool run(bool& done) { return run(done, opts_.timeout); }

  bool run(bool& done, std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    ioc_.restart();
    while (!done && clock::now() < deadline)
      ioc_.run_one_until(deadline);
    return done;
  }

  options opts_;
  std::deque<message> pending_;
  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::websocket::response_type response_;
  boost::beast::flat_buffer buffer_;
  bool reading_ = false;
  bool read_done_ = false;
  boost::system::error_code read_err_;
};

} // namespace av::test
