#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

/// Commands in RESP, the Redis protocol, appended to a reused buffer: the
/// Redis writer hands hiredis whole pipelines of them instead of argument
/// vectors it would format one by one.
namespace av::persistence::detail {

/// Room for any number the functions below write.
using number_buffer = char[64];

/// `x` as nlohmann::json::dump() writes a number, in `buf`: the seed's
/// clients read these digits from hashes and messages ("null" when not
/// finite).
std::string_view json_number(number_buffer& buf, double x);

/// `x` in decimal, in `buf`.
std::string_view decimal(number_buffer& buf, int64_t x);

/// Writes one command at a time into `out`: begin() with the number of
/// arguments, then exactly that many arg() calls.
class resp_writer {
public:
  explicit resp_writer(std::string& out) : out_(out) {}

  /// "*<args>\r\n".
  void begin(size_t args);

  /// A bulk string: "$<length>\r\n<bytes>\r\n"; any bytes, empty included.
  void arg(std::string_view bytes);

  /// An integer argument in decimal.
  void arg(int64_t x);

private:
  std::string& out_;
};

} // namespace av::persistence::detail
