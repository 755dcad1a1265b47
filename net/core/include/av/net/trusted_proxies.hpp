#pragma once

#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "av/base/ip_ranges.hpp"
#include "av/base/parsed.hpp"

namespace av::net {

/// The proxies whose `X-Forwarded-For` is believed (TRUSTED_PROXIES):
/// addresses and CIDR ranges, IPv4 or IPv6. Requests from anywhere else are
/// attributed to the peer address, whatever they claim.
class trusted_proxies {
public:
  /// Parses a comma-separated list such as `10.0.0.1, 192.168.0.0/16, ::1`;
  /// empty text trusts no one. The error names the first bad entry.
  static parsed<trusted_proxies> parse(std::string_view text);

  bool empty() const { return ranges_.empty(); }

  bool contains(const boost::asio::ip::address& x) const {
    return ranges_.contains(x);
  }

  /// The client of a request that arrived from `peer` with `forwarded` as
  /// its X-Forwarded-For (empty when absent). From a trusted peer: the
  /// rightmost address of the header that is not itself a trusted proxy
  /// (the hops a client adds on the left are not believed); from anyone
  /// else, or when the header holds no address: `peer`.
  std::string client(const boost::asio::ip::address& peer,
                     std::string_view forwarded) const;

private:
  ip_ranges ranges_;
};

} // namespace av::net
