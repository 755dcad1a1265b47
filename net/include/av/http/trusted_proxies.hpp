#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "av/parsed.hpp"

namespace av::http {

/// The proxies whose `X-Forwarded-For` is believed (TRUSTED_PROXIES):
/// addresses and CIDR ranges, IPv4 or IPv6. Requests from anywhere else are
/// attributed to the peer address, whatever they claim.
class trusted_proxies {
public:
  /// Parses a comma-separated list such as `10.0.0.1, 192.168.0.0/16, ::1`;
  /// empty text trusts no one. The error names the first bad entry.
  static parsed<trusted_proxies> parse(std::string_view text);

  bool empty() const { return ranges_.empty(); }

  bool contains(const boost::asio::ip::address& x) const;

  /// The client of a request that arrived from `peer` with `forwarded` as
  /// its X-Forwarded-For (empty when absent). From a trusted peer: the
  /// rightmost address of the header that is not itself a trusted proxy
  /// (the hops a client adds on the left are not believed); from anyone
  /// else, or when the header holds no address: `peer`.
  std::string client(const boost::asio::ip::address& peer,
                     std::string_view forwarded) const;

private:
  /// An address as 16 bytes (IPv4 mapped into IPv6) and its prefix length.
  struct range {
    std::array<uint8_t, 16> bytes;
    unsigned bits;
  };

  static std::array<uint8_t, 16> bytes_of(const boost::asio::ip::address& x);

  std::vector<range> ranges_;
};

} // namespace av::http
