#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "av/base/parsed.hpp"

namespace av {

/// A list of IP addresses and CIDR ranges, IPv4 or IPv6, such as
/// `10.0.0.1, 192.168.0.0/16, ::1`.
class ip_ranges {
public:
  /// Parses a comma-separated list; empty text is the empty list. The error
  /// names the first bad entry.
  static parsed<ip_ranges> parse(std::string_view text);

  bool empty() const { return ranges_.empty(); }

  bool contains(const boost::asio::ip::address& x) const;

private:
  /// An address as 16 bytes (IPv4 mapped into IPv6) and its prefix length.
  struct range {
    std::array<uint8_t, 16> bytes;
    unsigned bits;
  };

  static std::array<uint8_t, 16> bytes_of(const boost::asio::ip::address& x);

  std::vector<range> ranges_;
};

/// Parses one IP address; false when `text` is none.
bool parse_ip_address(std::string_view text, boost::asio::ip::address& out);

} // namespace av
