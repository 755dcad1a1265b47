#include "av/base/ip_ranges.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "av/base/text.hpp"

namespace av {

namespace asio = boost::asio;

bool parse_ip_address(std::string_view text, asio::ip::address& out) {
  boost::system::error_code err;
  out = asio::ip::make_address(std::string{text}, err);
  return !err;
}

std::array<uint8_t, 16> ip_ranges::bytes_of(const asio::ip::address& x) {
  if (x.is_v6())
    return x.to_v6().to_bytes();
  return asio::ip::make_address_v6(asio::ip::v4_mapped, x.to_v4()).to_bytes();
}

parsed<ip_ranges> ip_ranges::parse(std::string_view text) {
  ip_ranges result;
  if (trim(text).empty())
    return result;
  for (;;) {
    auto comma = text.find(',');
    auto entry = trim(text.substr(0, comma));
    auto slash = entry.find('/');
    asio::ip::address addr;
    if (!parse_ip_address(entry.substr(0, slash), addr))
      return parse_error{"entry \"" + std::string{entry}
                         + "\" is no IP address or CIDR range"};
    unsigned max_bits = addr.is_v4() ? 32 : 128;
    unsigned bits = max_bits;
    if (slash != std::string_view::npos) {
      auto digits = entry.substr(slash + 1);
      auto last = digits.data() + digits.size();
      auto res = std::from_chars(digits.data(), last, bits);
      if (digits.empty() || res.ec != std::errc{} || res.ptr != last
          || bits > max_bits)
        return parse_error{"entry \"" + std::string{entry}
                           + "\" has a bad prefix length (0 to "
                           + std::to_string(max_bits) + ")"};
    }
    // IPv4 ranges live in the mapped part of the IPv6 space.
    result.ranges_.push_back({bytes_of(addr), addr.is_v4() ? bits + 96 : bits});
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  return result;
}

bool ip_ranges::contains(const asio::ip::address& x) const {
  auto bytes = bytes_of(x);
  for (auto& r : ranges_) {
    unsigned whole = r.bits / 8;
    unsigned rest = r.bits % 8;
    bool match
      = std::equal(bytes.begin(), bytes.begin() + whole, r.bytes.begin());
    if (match && rest > 0) {
      auto mask = static_cast<uint8_t>(0xFF << (8 - rest));
      match = (bytes[whole] & mask) == (r.bytes[whole] & mask);
    }
    if (match)
      return true;
  }
  return false;
}

} // namespace av
