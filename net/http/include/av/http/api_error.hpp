#pragma once

#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <nlohmann/json.hpp>

#include "av/base/parsed.hpp"
#include "av/http/reply.hpp"

namespace av::http {

/// An error as the API reports it: HTTP status plus the JSON body
/// `{"error":{"code":…,"message":…,"field":…}}`.
struct api_error {
  http::status code = status::internal_server_error;
  /// Machine-readable name, e.g. `not_found` or `invalid_json`.
  std::string name;
  std::string message;
  /// The request field at fault; empty when none.
  std::string field;
  /// Seconds for a Retry-After header; 0 for none.
  int retry_after_s = 0;
};

/// Maps a node error (`av::ec` or CAF's own) to its API error; the one table
/// of status codes (docs/api.md lists it).
api_error from_caf(const caf::error& err);

/// A 400 naming the field at fault.
api_error bad_request(const parse_error& err);

/// 500: a handler failed unexpectedly (it threw, or its actor died).
api_error internal_error();

/// Renders an error as the response to send.
reply to_reply(const api_error& err);

/// Renders the error's JSON body.
nlohmann::json to_json(const api_error& err);

} // namespace av::http
