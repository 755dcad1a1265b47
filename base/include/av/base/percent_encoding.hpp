#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace av::detail {

/// Decodes `%XX` escapes; nullopt when an escape is cut short or not hex.
/// `+` stays `+`: URLs of databases are no HTML forms.
std::optional<std::string> percent_decode(std::string_view x);

/// Escapes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view x);

} // namespace av::detail
