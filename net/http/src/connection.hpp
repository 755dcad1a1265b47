#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "av/http/api_error.hpp"
#include "av/http/reply.hpp"
#include "av/http/server_state.hpp"
#include "av/net/tcp_connection.hpp"
#include "av/telemetry/tracing.hpp"

namespace av::http {

/// One client connection: reads a request, hands it to its route, writes
/// the answer, and repeats while keep-alive allows. All its work runs on
/// the connection's strand; answers from actors are posted onto it.
class connection : public net::tcp_connection<connection, server_state> {
public:
  connection(std::shared_ptr<server_state> core,
             boost::asio::ip::tcp::socket sock);

  ~connection();

private:
  friend class net::tcp_connection<connection, server_state>;

  using request_parser
    = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using response
    = boost::beast::http::response<boost::beast::http::string_body>;

  void read_next();
  void on_header(boost::beast::error_code err, size_t);
  void on_body(boost::beast::error_code err, size_t);
  void on_read_error(boost::beast::error_code err);
  void handle();
  void preflight(const std::vector<verb>& allowed);
  /// Answers from the strand with an error and closes afterwards.
  void reject(const api_error& err, bool close_after);
  void write(reply x);
  /// 304 instead of `x` when the client holds its ETag already.
  void revalidate(reply& x) const;
  void on_write(bool close_after, boost::beast::error_code err, size_t);
  void do_close();
  /// Half-closes and discards further input, then closes.
  void linger();
  void drain();

  /// How long `linger` waits for the client to close.
  static constexpr std::chrono::seconds linger_timeout{2};
  /// Hands answers from any thread to the strand.
  api_call::send_fn sender();

  std::optional<request_parser> parser_;
  std::shared_ptr<response> res_;
  boost::asio::ip::address peer_;
  /// The peer address as text, or `unknown`.
  std::string peer_text_;
  /// Who sent the request being answered: the peer, or the client a trusted
  /// proxy names. Rate limits and logs go by it.
  std::string client_;
  uint32_t served_ = 0;
  // The request being answered.
  std::string method_ = "-";
  std::string path_ = "-";
  /// The matched route's pattern, for metrics: raw paths would make a
  /// series per agent.
  std::string route_ = "none";
  std::string origin_;
  /// A HEAD request: answered like GET, without the body.
  bool head_ = false;
  /// The request's If-None-Match, matched against an answer's ETag.
  std::string if_none_match_;
  /// The request's span, while tracing is on and the caller samples.
  std::optional<tracing::server_start> trace_;
  bool origin_ok_ = true;
  bool keep_alive_ = false;
  std::chrono::steady_clock::time_point started_;
};

} // namespace av::http
