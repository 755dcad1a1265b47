#include "av/net/trusted_proxies.hpp"

#include "av/base/text.hpp"

namespace av::net {

namespace asio = boost::asio;

parsed<trusted_proxies> trusted_proxies::parse(std::string_view text) {
  auto ranges = ip_ranges::parse(text);
  if (!ranges)
    return parse_error{std::move(ranges).error()};
  trusted_proxies result;
  result.ranges_ = *std::move(ranges);
  return result;
}

std::string trusted_proxies::client(const asio::ip::address& peer,
                                    std::string_view forwarded) const {
  if (forwarded.empty() || !ranges_.contains(peer))
    return peer.to_string();
  // Walks from the nearest hop outwards; the first one we do not trust is
  // the client. A hop that is no address ends the walk at the last good one.
  auto nearest = peer;
  while (!forwarded.empty()) {
    auto comma = forwarded.rfind(',');
    auto hop
      = trim(comma == std::string_view::npos ? forwarded
                                             : forwarded.substr(comma + 1));
    asio::ip::address addr;
    if (!parse_ip_address(hop, addr))
      break;
    if (!ranges_.contains(addr))
      return addr.to_string();
    nearest = addr;
    if (comma == std::string_view::npos)
      break;
    forwarded = forwarded.substr(0, comma);
  }
  return nearest.to_string();
}

} // namespace av::net
