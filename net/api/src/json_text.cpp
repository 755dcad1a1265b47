#include "av/api/json_text.hpp"

#include <nlohmann/json.hpp>

#include "av/http/api_call.hpp"

namespace av {

void append_quoted(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  auto start = out.size();
  out.reserve(start + s.size() + s.size() / 8 + 2);
  out += '"';
  for (unsigned char c : s) {
    if (c >= 0x80) {
      out.resize(start);
      out += http::dump(nlohmann::json(std::string{s}));
      return;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      // The short forms first, as nlohmann::json writes them.
      static constexpr std::string_view shorts = "\b\t\n\f\r";
      static constexpr std::string_view letters = "btnfr";
      if (auto i = shorts.find(static_cast<char>(c)); i != shorts.npos) {
        out += '\\';
        out += letters[i];
        continue;
      }
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string agent_page_text(const agent_page& page,
                            const agent_filter& filter) {
  std::string out;
  out.reserve(64 + page.agents.size() * 160);
  out += R"({"agents":[)";
  bool first = true;
  for (auto& a : page.agents) {
    out += first ? R"({"id":)" : R"(,{"id":)";
    first = false;
    append_quoted(out, a.id);
    out += R"(,"name":)";
    append_quoted(out, a.name);
    out += R"(,"node":)";
    append_quoted(out, a.node);
    out += R"(,"numId":)";
    out += std::to_string(a.num);
    out += R"(,"provenance":")";
    out += to_string(a.origin);
    out += a.reachable ? R"(","reachable":true,"state":")"
                       : R"(","reachable":false,"state":")";
    out += to_string(a.state);
    out += R"(","type":)";
    append_quoted(out, a.type);
    out += '}';
  }
  out += R"(],"limit":)";
  out += std::to_string(filter.limit);
  out += R"(,"offset":)";
  out += std::to_string(filter.offset);
  out += R"(,"total":)";
  out += std::to_string(page.total);
  out += '}';
  return out;
}

} // namespace av
