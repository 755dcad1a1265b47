#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace av::net {

/// Checks `Authorization: Bearer …` against the API key (MCP_API_KEY) and,
/// when JWT_SECRET is set, HS256 tokens. Keys are kept only as SHA-256
/// digests and compared in constant time; nothing here is ever logged.
class authenticator {
public:
  enum class verdict { ok, missing, invalid, expired };

  /// `max_lifetime_s` caps `exp - iat` of tokens that carry `iat`
  /// (JWT_EXPIRY); `read_auth` extends the check to reads.
  authenticator(std::string_view api_key, std::string jwt_secret,
                int64_t max_lifetime_s, bool read_auth);

  /// Returns whether any credential is configured.
  bool enabled() const { return has_key_ || !jwt_secret_.empty(); }

  /// Returns whether a request with this method needs credentials.
  bool required(bool mutating) const {
    return enabled() && (mutating || read_auth_);
  }

  /// Checks the value of an Authorization header (empty when absent) at
  /// `now_s` (seconds since the epoch).
  verdict check(std::string_view authorization, int64_t now_s) const;

  /// Seconds of clock skew tolerated on `exp` and `nbf`.
  static constexpr uint32_t leeway_s = 30;

private:
  using digest = std::array<unsigned char, 32>;

  static digest hash(std::string_view x);

  verdict check_jwt(std::string_view token, int64_t now_s) const;

  bool has_key_ = false;
  digest key_digest_{};
  std::string jwt_secret_;
  int64_t max_lifetime_s_;
  bool read_auth_;
};

const char* to_string(authenticator::verdict x);

/// Logs a refused request (warn, `access refused`): over what it came
/// (`http`, `websocket`, `mcp`), from whom (the client's address, or its
/// MCP name), what it asked (`POST /api/agents`, `tools/call agent_spawn`)
/// and why (`missing`, `invalid`, `expired` credentials, or `denied`).
/// Never the credential itself.
void log_refusal(std::string_view transport, std::string_view client,
                 std::string_view action, std::string_view why);

} // namespace av::net
