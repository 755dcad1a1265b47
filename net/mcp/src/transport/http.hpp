#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <deque>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "../engine.hpp"
#include "av/net/auth.hpp"
#include "av/net/connection_set.hpp"
#include "av/net/cors.hpp"
#include "av/net/io_thread.hpp"
#include "av/net/tcp_connection.hpp"
#include "sse.hpp"

namespace av::config {
struct settings;
} // namespace av::config

namespace av::mcp {

class http_connection;

/// What the connections of the Streamable HTTP transport share.
struct http_transport : std::enable_shared_from_this<http_transport> {
  http_transport(const config::settings& cfg, std::shared_ptr<engine> eng);

  boost::asio::io_context ioc{1};
  boost::asio::ip::tcp::acceptor acceptor{ioc};
  std::shared_ptr<engine> eng;
  /// The open `GET /mcp` streams.
  sse_streams streams;
  net::authenticator auth;
  net::cors_policy cors;
  /// Host names a request may name (DNS-rebinding protection); empty when
  /// bound to all interfaces.
  std::vector<std::string> hosts;
  std::atomic<bool> stopping{false};

  /// Largest request body.
  static constexpr size_t max_body_bytes = 4 * 1024 * 1024;
  /// Open connections at most.
  static constexpr size_t max_connections = 1024;

  /// Whether a browser page of `origin` may call /mcp: loopback pages
  /// always (MCP's DNS-rebinding rule), others when ALLOWED_ORIGINS lists
  /// them.
  bool origin_allowed(std::string_view origin) const;

  void accept();
  void remove(http_connection* s);
  void shutdown();

  /// Every post onto `ioc` goes through it (see net::post_gate).
  net::post_gate gate;

private:
  net::connection_set<http_connection> sessions_;
};

/// One connection: reads requests to `/mcp` and answers each with JSON,
/// keeping the connection alive in between; or, after a GET, streams the
/// session's notifications as server-sent events until either side closes.
class http_connection
  : public net::tcp_connection<http_connection, http_transport> {
public:
  http_connection(std::shared_ptr<http_transport> core,
                  boost::asio::ip::tcp::socket sock);

  ~http_connection();

  /// Queues one server-sent event on the stream; callable from any thread.
  void push(std::string frame);

  /// Ends the stream after the queued events (the session ended, or a newer
  /// stream took over); callable from any thread.
  void end_stream();

  /// Frames queued for a client that reads too slowly, before it is cut
  /// off (it may reconnect with Last-Event-ID).
  static constexpr size_t max_queued = 4096;

private:
  friend class net::tcp_connection<http_connection, http_transport>;

  using request = boost::beast::http::request<boost::beast::http::string_body>;
  using response
    = boost::beast::http::response<boost::beast::http::string_body>;

  void read_next();
  void on_read(boost::beast::error_code err, size_t);
  void handle(request& req);
  void post(request& req, const caller& who);
  /// Checks the session and protocol headers of a request after
  /// initialize; answers the error and returns false when they fail.
  bool session_ok(request& req, const std::string& session,
                  const nlohmann::json& id);
  /// GET: turns the connection into the session's event stream.
  void open_stream(request& req);
  void write_frames();
  /// Notices the client going away while the stream only writes.
  void watch();
  /// Keeps the stream and its session alive; ends it with the session.
  void ping();
  template <class Response>
  void decorate(Response& res);
  /// Answers with a JSON-RPC error body.
  void fail(boost::beast::http::status code, int rpc_code,
            const std::string& text, const nlohmann::json& id = nullptr);
  void send(boost::beast::http::status code, std::string body,
            std::string session_id = {});
  void on_write(bool close, boost::beast::error_code err, size_t);
  void do_close();

  std::optional<
    boost::beast::http::request_parser<boost::beast::http::string_body>>
    parser_;
  std::shared_ptr<response> res_;
  std::string origin_;
  bool keep_alive_ = true;
  // -- the event stream -------------------------------------------------------
  bool streaming_ = false;
  bool writing_ = false;
  /// Set by `end_stream`: the last chunk follows the queued events.
  bool ending_ = false;
  std::string stream_session_;
  std::deque<std::string> frames_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::empty_body>>
    head_;
  std::shared_ptr<
    boost::beast::http::response_serializer<boost::beast::http::empty_body>>
    head_writer_;
  boost::asio::steady_timer ping_timer_;
  char probe_[256];
};

} // namespace av::mcp
