#include "av/net/auth.hpp"

#include <strings.h>

#include <jwt/jwt.hpp>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "av/base/log.hpp"
#include "av/base/text.hpp"

namespace av::net {

namespace {

/// The token of `Bearer <token>`, or an empty view.
std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  header = trim(header);
  if (header.size() <= scheme.size()
      || strncasecmp(header.data(), scheme.data(), scheme.size()) != 0)
    return {};
  return trim(header.substr(scheme.size()));
}

} // namespace

authenticator::authenticator(std::string_view api_key, std::string jwt_secret,
                             int64_t max_lifetime_s, bool read_auth)
  : jwt_secret_(std::move(jwt_secret)), max_lifetime_s_(max_lifetime_s),
    read_auth_(read_auth) {
  if (!api_key.empty()) {
    has_key_ = true;
    key_digest_ = hash(api_key);
  }
}

authenticator::digest authenticator::hash(std::string_view x) {
  digest result;
  SHA256(reinterpret_cast<const unsigned char*>(x.data()), x.size(),
         result.data());
  return result;
}

authenticator::verdict authenticator::check(std::string_view authorization,
                                            int64_t now_s) const {
  if (trim(authorization).empty())
    return verdict::missing;
  auto token = bearer_token(authorization);
  if (token.empty())
    return verdict::invalid;
  // Digests have a fixed length, so the comparison leaks neither the key's
  // length nor where a guess goes wrong.
  if (has_key_) {
    auto given = hash(token);
    if (CRYPTO_memcmp(given.data(), key_digest_.data(), given.size()) == 0)
      return verdict::ok;
  }
  if (!jwt_secret_.empty())
    return check_jwt(token, now_s);
  return verdict::invalid;
}

authenticator::verdict authenticator::check_jwt(std::string_view token,
                                                int64_t now_s) const {
  using namespace jwt::params;
  try {
    std::error_code err;
    auto obj = jwt::decode(jwt::string_view{token.data(), token.size()},
                           algorithms({"HS256"}), err, secret(jwt_secret_),
                           verify(true), leeway(leeway_s));
    if (err) {
      if (err == jwt::VerificationErrc::TokenExpired)
        return verdict::expired;
      return verdict::invalid;
    }
    // The token must not pick its own algorithm, and must expire.
    if (obj.header().algo() != jwt::algorithm::HS256)
      return verdict::invalid;
    const auto& claims = obj.payload().create_json_obj();
    auto exp = claims.find("exp");
    if (exp == claims.end() || !exp->is_number_integer())
      return verdict::invalid;
    auto exp_s = exp->get<int64_t>();
    if (exp_s + static_cast<int64_t>(leeway_s) < now_s)
      return verdict::expired;
    auto iat = claims.find("iat");
    if (iat != claims.end()
        && (!iat->is_number_integer()
            || exp_s - iat->get<int64_t>() > max_lifetime_s_))
      return verdict::invalid;
    return verdict::ok;
  } catch (...) {
    return verdict::invalid;
  }
}

const char* to_string(authenticator::verdict x) {
  switch (x) {
    case authenticator::verdict::ok: return "ok";
    case authenticator::verdict::missing: return "missing";
    case authenticator::verdict::invalid: return "invalid";
    case authenticator::verdict::expired: return "expired";
  }
  return "?";
}

void log_refusal(std::string_view transport, std::string_view client,
                 std::string_view action, std::string_view why) {
  log::warn("access refused", {{"transport", std::string{transport}},
                               {"client", std::string{client}},
                               {"action", std::string{action}},
                               {"why", std::string{why}}});
}

} // namespace av::net
