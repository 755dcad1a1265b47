#include "render.hpp"

#include <algorithm>
#include <ctime>

namespace av::shell {

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const table_rows& rows) {
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  };
  measure(header);
  for (auto& row : rows)
    measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      text += row[i];
      // The last column is not padded: no trailing blanks.
      if (i + 1 < row.size())
        text.append(width[i] - row[i].size() + 2, ' ');
    }
    out << text << '\n';
  };
  line(header);
  for (auto& row : rows)
    line(row);
}

std::string cell(const nlohmann::json& x) {
  if (x.is_null())
    return "-";
  if (x.is_string())
    return x.get<std::string>();
  return x.dump();
}

void print_fields(std::ostream& out, const nlohmann::json& x) {
  if (!x.is_object()) {
    out << x.dump(2) << '\n';
    return;
  }
  size_t width = 0;
  for (auto& [key, value] : x.items())
    width = std::max(width, key.size());
  for (auto& [key, value] : x.items())
    out << key << ':' << std::string(width - key.size() + 1, ' ') << cell(value)
        << '\n';
}

std::string human_duration(int64_t ms) {
  if (ms < 0)
    ms = 0;
  if (ms < 1000)
    return std::to_string(ms) + " ms";
  auto s = ms / 1000;
  auto part = [](int64_t big, const char* a, int64_t small, const char* b) {
    auto text = std::to_string(big) + a;
    if (small > 0)
      text += " " + std::to_string(small) + b;
    return text;
  };
  if (s < 60)
    return std::to_string(s) + "s";
  if (s < 3600)
    return part(s / 60, "m", s % 60, "s");
  if (s < 86400)
    return part(s / 3600, "h", (s % 3600) / 60, "m");
  return part(s / 86400, "d", (s % 86400) / 3600, "h");
}

std::string event_line(const nlohmann::json& ev) {
  std::string when = "--:--:--.---";
  if (auto t = ev.find("time"); t != ev.end() && t->is_number_integer()) {
    auto ms = t->get<int64_t>();
    std::time_t secs = ms / 1000;
    std::tm parts{};
    localtime_r(&secs, &parts);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &parts);
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03d", static_cast<int>(ms % 1000));
    when = std::string{buf} + millis;
  }
  auto text = when + "  " + ev.value("type", std::string{"?"});
  if (auto node = ev.find("node"); node != ev.end() && node->is_string()
                                   && !node->get<std::string>().empty())
    text += " [" + node->get<std::string>() + "]";
  if (auto data = ev.find("data"); data != ev.end() && data->is_object())
    for (auto& [key, value] : data->items()) {
      // Whole objects (snapshots, samples) make lines no one reads.
      if (value.is_object() || (value.is_array() && value.size() > 8))
        continue;
      text += "  " + key + "=" + cell(value);
    }
  return text;
}

} // namespace av::shell
