#pragma once

#include <cstdint>
#include <string>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

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

} // namespace av::net
