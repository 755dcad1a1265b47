#include "spec_builders.hpp"

#include <algorithm>
#include <cctype>

#include "av/base/text.hpp"

namespace av::config::detail {

namespace {

char to_lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

template <class T, class F>
std::string join(const std::vector<T>& xs, F to_text) {
  std::string result;
  for (const auto& x : xs) {
    if (!result.empty())
      result += ',';
    result += to_text(x);
  }
  return result;
}

/// Returns `x` in lower case when it is an origin such as
/// `https://example.com:8443`, else nullopt.
std::optional<std::string> normalize_origin(std::string_view x) {
  auto sep = x.find("://");
  if (sep == 0 || sep == std::string_view::npos)
    return std::nullopt;
  auto scheme = x.substr(0, sep);
  auto scheme_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+'
           || c == '-' || c == '.';
  };
  if (std::isalpha(static_cast<unsigned char>(scheme.front())) == 0
      || !std::all_of(scheme.begin(), scheme.end(), scheme_char))
    return std::nullopt;
  // Any non-zero default lets the port be optional; a path, user info or
  // wildcard fails the host check.
  if (!parse_endpoint(x.substr(sep + 3), 1))
    return std::nullopt;
  std::string result{x};
  std::transform(result.begin(), result.end(), result.begin(), to_lower);
  return result;
}

} // namespace

bool iequals(std::string_view x, std::string_view y) {
  auto same = [](char a, char b) {
    return to_lower(a) == to_lower(b);
  };
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), same);
}

std::optional<bool> parse_bool(std::string_view x) {
  for (auto yes : {"true", "1", "yes", "on"})
    if (iequals(x, yes))
      return true;
  for (auto no : {"false", "0", "no", "off"})
    if (iequals(x, no))
      return false;
  return std::nullopt;
}

spec port(names name, std::uint16_t settings::*field) {
  return integer<std::uint16_t>(name, field, 1, 65535, "a port", "PORT");
}

spec listener(names name, std::uint16_t settings::*field) {
  auto row = port(name, field);
  row.listener = true;
  return row;
}

spec boolean(names name, bool settings::*field) {
  spec row{name, "BOOL"};
  row.is_bool = true;
  row.assign = [field](std::string_view text,
                       settings& cfg) -> std::optional<std::string> {
    auto value = parse_bool(text);
    if (!value)
      return "expected a boolean (true/false, 1/0, yes/no, on/off)";
    cfg.*field = *value;
    return std::nullopt;
  };
  row.show = [field](const settings& cfg) {
    return std::string{cfg.*field ? "true" : "false"};
  };
  return row;
}

spec text(names name, std::string settings::*field, text_check check,
          std::string hint) {
  spec row{name, std::move(hint)};
  row.assign = [field, check](std::string_view text,
                              settings& cfg) -> std::optional<std::string> {
    if (auto expected = check(text))
      return expected;
    cfg.*field = std::string{text};
    return std::nullopt;
  };
  row.show = [field](const settings& cfg) {
    return cfg.*field;
  };
  return row;
}

spec url(names name, std::string settings::*field, text_check check) {
  auto row = text(name, field, check, "URL");
  row.shown = exposure::url;
  return row;
}

spec secret(names name, std::string settings::*field, std::size_t min_size,
            std::string expected) {
  spec row{name, "SECRET"};
  row.shown = exposure::secret;
  row.assign
    = [=](std::string_view text, settings& cfg) -> std::optional<std::string> {
    if (!text.empty() && text.size() < min_size)
      return expected;
    cfg.*field = std::string{text};
    return std::nullopt;
  };
  row.show = [field](const settings& cfg) {
    return cfg.*field;
  };
  return row;
}

spec endpoints(names name, std::vector<endpoint> settings::*field,
               std::uint16_t default_port) {
  spec row{name, "HOST[:PORT],..."};
  row.assign
    = [field, default_port](std::string_view text,
                            settings& cfg) -> std::optional<std::string> {
    auto list = parse_endpoint_list(text, default_port);
    if (!list)
      return list.error()
             + "; expected comma-separated host[:port] endpoints (port "
             + std::to_string(default_port)
             + " when left out) such as node-2,[fd00::2]:4243";
    cfg.*field = *std::move(list);
    return std::nullopt;
  };
  row.show = [field](const settings& cfg) {
    return join(cfg.*field, [](const auto& ep) { return ep.to_string(); });
  };
  return row;
}

spec origins(names name, std::vector<std::string> settings::*field) {
  spec row{name, "ORIGIN,..."};
  row.assign = [field](std::string_view text,
                       settings& cfg) -> std::optional<std::string> {
    static constexpr std::string_view expected
      = "expected comma-separated origins scheme://host[:port] such as "
        "https://viz.example.com,http://localhost:3000 (no path, no *)";
    std::vector<std::string> result;
    if (!trim(text).empty()) {
      for (;;) {
        auto comma = text.find(',');
        auto entry = trim(text.substr(0, comma));
        auto origin = normalize_origin(entry);
        if (!origin)
          return "entry \"" + std::string{entry} + "\" is no origin; "
                 + std::string{expected};
        result.push_back(std::move(*origin));
        if (comma == std::string_view::npos)
          break;
        text.remove_prefix(comma + 1);
      }
    }
    cfg.*field = std::move(result);
    return std::nullopt;
  };
  row.show = [field](const settings& cfg) {
    return join(cfg.*field, [](const std::string& x) { return x; });
  };
  return row;
}

} // namespace av::config::detail
