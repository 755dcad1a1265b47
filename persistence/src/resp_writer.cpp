#include "av/resp_writer.hpp"

#include <charconv>
#include <cmath>
#include <iterator>

#include <nlohmann/json.hpp>

namespace av::persistence::detail {

namespace {

/// Appends "<prefix><n>\r\n".
void header(std::string& out, char prefix, size_t n) {
  number_buffer buf;
  buf[0] = prefix;
  auto end = std::to_chars(buf + 1, std::end(buf), n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(buf, end);
}

} // namespace

std::string_view json_number(number_buffer& buf, double x) {
  if (!std::isfinite(x))
    return "null";
  // The function json::dump() itself calls, so the digits cannot differ.
  auto end = nlohmann::detail::to_chars(buf, std::end(buf), x);
  return {buf, static_cast<size_t>(end - buf)};
}

std::string_view decimal(number_buffer& buf, int64_t x) {
  auto end = std::to_chars(buf, std::end(buf), x).ptr;
  return {buf, static_cast<size_t>(end - buf)};
}

void resp_writer::begin(size_t args) {
  header(out_, '*', args);
}

void resp_writer::arg(std::string_view bytes) {
  header(out_, '$', bytes.size());
  out_.append(bytes);
  out_ += "\r\n";
}

void resp_writer::arg(int64_t x) {
  number_buffer buf;
  arg(decimal(buf, x));
}

} // namespace av::persistence::detail
