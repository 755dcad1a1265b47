// libFuzzer target over connection URLs (DATABASE_URL, REDIS_URL): both
// parsers and the redaction of what they accept or refuse. A parsed URL's
// redacted form must parse again to the same place.
#include <cstddef>
#include <cstdint>
#include <string>

#include "av/base/connection_url.hpp"

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

template <class Parse>
void run(Parse parse, std::string_view text) {
  auto url = parse(text);
  (void)av::redact_url(text);
  if (!url)
    return;
  auto again = parse(url->redacted());
  check(static_cast<bool>(again));
  check(again->scheme == url->scheme && again->host == url->host
        && again->port == url->port && again->database == url->database
        && again->db_index == url->db_index && again->user == url->user
        && again->params.size() == url->params.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  run(av::parse_postgres_url, text);
  run(av::parse_redis_url, text);
  return 0;
}
