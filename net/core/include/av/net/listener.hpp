#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include "av/base/log.hpp"

namespace av::net {

/// Opens `acc` on `host:port`, binds and listens; returns the bound port
/// (the real one when `port` is 0). `localhost` means 127.0.0.1: the
/// configuration admits it besides literal addresses, and a listener never
/// depends on DNS. Throws `std::system_error` when it cannot.
inline uint16_t listen_on(boost::asio::ip::tcp::acceptor& acc,
                          const std::string& host, uint16_t port) {
  namespace asio = boost::asio;
  auto address = host == "localhost" ? asio::ip::make_address("127.0.0.1")
                                     : asio::ip::make_address(host);
  asio::ip::tcp::endpoint ep{address, port};
  acc.open(ep.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(ep);
  acc.listen(asio::socket_base::max_listen_connections);
  return acc.local_endpoint().port();
}

/// Accepts connections on `owner->acceptor` until it is closed, each socket
/// on a strand of its own and with `TCP_NODELAY` (messages are written whole;
/// Nagle's algorithm would only hold small ones back behind large ones), and
/// hands it to `on_socket`. `name` names the server in log lines.
template <class Owner, class OnSocket>
void accept_loop(std::shared_ptr<Owner> owner, const char* name,
                 OnSocket on_socket) {
  namespace asio = boost::asio;
  auto& acc = owner->acceptor;
  acc.async_accept(asio::make_strand(owner->ioc), [owner, name, on_socket](
                                                    boost::system::error_code
                                                      err,
                                                    asio::ip::tcp::socket
                                                      sock) {
    if (err == asio::error::operation_aborted || !owner->acceptor.is_open())
      return;
    if (err) {
      log::warn("accept failed", {{"server", name}, {"error", err.message()}});
    } else {
      boost::system::error_code ignored;
      sock.set_option(asio::ip::tcp::no_delay(true), ignored);
      on_socket(std::move(sock));
    }
    accept_loop(owner, name, on_socket);
  });
}

} // namespace av::net
