#pragma once

#include <cstdlib>
#include <optional>
#include <string>

#include "av/base/connection_url.hpp"

/// Ends the test with a message when no Redis server is configured; binds
/// `url_var` to REDIS_URL.
#define AV_REQUIRE_REDIS(url_var)                                              \
  auto url_var##_text = std::getenv("REDIS_URL");                              \
  if (!url_var##_text || !*url_var##_text) {                                   \
    CAF_MESSAGE("skipped: REDIS_URL is not set (scripts/test sets it)");       \
    return;                                                                    \
  }                                                                            \
  std::string url_var = url_var##_text;
