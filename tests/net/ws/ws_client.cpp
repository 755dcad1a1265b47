#include "ws_client.hpp"

#include <deque>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace av::test {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct ws_client::impl {
  ws_client& out;
  options opts;
  std::deque<message> pending;
  boost::asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  websocket::response_type response;
  beast::flat_buffer buffer;
  bool reading = false;
  bool read_done = false;
  boost::system::error_code read_err;

  impl(ws_client& client, options o) : out(client), opts(std::move(o)) {
    // nop
  }

  bool run(bool& done) { return run(done, opts.timeout); }

  bool run(bool& done, std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    ioc.restart();
    while (!done && clock::now() < deadline)
      ioc.run_one_until(deadline);
    return done;
  }

  void connect(uint16_t port) {
    auto& sock = beast::get_lowest_layer(ws);
    boost::system::error_code err;
    sock.socket().open(boost::asio::ip::tcp::v4(), err);
    if (opts.receive_buffer > 0)
      sock.socket().set_option(
        boost::asio::socket_base::receive_buffer_size(opts.receive_buffer),
        err);
    bool done = false;
    sock.async_connect({boost::asio::ip::make_address("127.0.0.1"), port},
                       [&](boost::system::error_code e) {
                         err = e;
                         done = true;
                       });
    if (!run(done) || err) {
      out.error = err ? err.message() : "connect timed out";
      return;
    }
    if (opts.compression) {
      websocket::permessage_deflate pmd;
      pmd.client_enable = true;
      ws.set_option(pmd);
    }
    auto headers = opts.headers;
    ws.set_option(websocket::stream_base::decorator(
      [headers](websocket::request_type& req) {
        for (auto& kvp : headers)
          req.set(kvp.first, kvp.second);
      }));
    done = false;
    ws.async_handshake(response, "127.0.0.1", opts.target,
                       [&](boost::system::error_code e) {
                         err = e;
                         done = true;
                       });
    if (!run(done) || err) {
      out.error = err ? err.message() : "handshake timed out";
      out.http_status = static_cast<int>(response.result_int());
      return;
    }
    out.http_status = 101;
    out.connected = true;
  }

  /// Runs an asynchronous write started by `start`; false on failure or
  /// timeout.
  template <class Start>
  bool write(Start start) {
    bool done = false;
    boost::system::error_code err;
    start([&](boost::system::error_code e, size_t) {
      err = e;
      done = true;
    });
    return run(done) && !err;
  }
};

ws_client::ws_client(uint16_t port) : ws_client(port, options{}) {
  // nop
}

ws_client::ws_client(uint16_t port, options opts)
  : impl_(std::make_unique<impl>(*this, std::move(opts))) {
  impl_->connect(port);
}

ws_client::~ws_client() {
  boost::system::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

bool ws_client::send_raw(const std::string& data, bool binary) {
  auto& ws = impl_->ws;
  ws.binary(binary);
  return impl_->write([&](auto handler) {
    ws.async_write(boost::asio::buffer(data), std::move(handler));
  });
}

bool ws_client::send_bytes(const std::string& bytes) {
  auto& sock = beast::get_lowest_layer(impl_->ws).socket();
  return impl_->write([&](auto handler) {
    boost::asio::async_write(sock, boost::asio::buffer(bytes),
                             std::move(handler));
  });
}

std::optional<ws_client::message>
ws_client::read(std::chrono::milliseconds timeout) {
  auto& my = *impl_;
  if (!my.pending.empty()) {
    auto next = std::move(my.pending.front());
    my.pending.pop_front();
    return next;
  }
  if (closed)
    return std::nullopt;
  if (!my.reading) {
    my.reading = true;
    my.ws.async_read(my.buffer, [&my](boost::system::error_code e, size_t) {
      my.read_err = e;
      my.read_done = true;
    });
  }
  if (!my.run(my.read_done, timeout))
    return std::nullopt;
  my.reading = false;
  my.read_done = false;
  if (my.read_err) {
    closed = true;
    close_reason = my.ws.reason();
    error = my.read_err.message();
    return std::nullopt;
  }
  message msg;
  msg.binary = my.ws.got_binary();
  msg.data = beast::buffers_to_string(my.buffer.data());
  my.buffer.consume(my.buffer.size());
  if (!msg.binary)
    msg.json = nlohmann::json::parse(msg.data, nullptr, false);
  if (msg.json.is_array() && !msg.json.empty()) {
    // Coalesced events: hand them out one at a time.
    ++arrays;
    for (auto& x : msg.json)
      my.pending.push_back(message{false, x.dump(), x});
    auto next = std::move(my.pending.front());
    my.pending.pop_front();
    return next;
  }
  return msg;
}

std::optional<nlohmann::json>
ws_client::read_type(const std::string& type,
                     std::chrono::milliseconds timeout) {
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

bool ws_client::await_close(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (!closed && clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock::now());
    read(left);
  }
  return closed;
}

void ws_client::close() {
  bool done = false;
  impl_->ws.async_close(websocket::close_code::normal,
                        [&](boost::system::error_code) { done = true; });
  impl_->run(done, std::chrono::milliseconds{2000});
  closed = true;
}

} // namespace av::test
