#include "av/base/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <string>

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace av::log {

namespace {

using json = nlohmann::json;

/// Process-wide logger state.
struct state {
  std::atomic<level> lvl{level::info};
  std::atomic<format> fmt{format::text};
  std::mutex mtx;
  /// Guarded by `mtx`; created on first use when `init` never ran.
  std::shared_ptr<spdlog::logger> logger;
};

state& global() {
  // Leaked on purpose: objects destroyed at exit may still log.
  static auto* instance = new state;
  return *instance;
}

std::shared_ptr<spdlog::logger>
make_logger(std::shared_ptr<spdlog::sinks::sink> sink) {
  if (!sink)
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto result = std::make_shared<spdlog::logger>("av", std::move(sink));
  // Lines arrive fully formatted; spdlog only appends the newline.
  result->set_formatter(std::make_unique<spdlog::pattern_formatter>(
    "%v", spdlog::pattern_time_type::utc, "\n"));
  result->set_level(spdlog::level::trace);
  // Someone tailing the log (or a test polling it) sees each line at once.
  result->flush_on(spdlog::level::trace);
  return result;
}

spdlog::level::level_enum to_spdlog(level lvl) {
  switch (lvl) {
    case level::trace: return spdlog::level::trace;
    case level::debug: return spdlog::level::debug;
    case level::info: return spdlog::level::info;
    case level::warn: return spdlog::level::warn;
    case level::error: return spdlog::level::err;
    case level::off: break;
  }
  return spdlog::level::off;
}

std::string_view json_name(level lvl) {
  switch (lvl) {
    case level::trace: return "trace";
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
    case level::off: break;
  }
  return "off";
}

/// Level names padded to one width so that messages line up.
std::string_view text_name(level lvl) {
  switch (lvl) {
    case level::trace: return "TRACE";
    case level::debug: return "DEBUG";
    case level::info: return "INFO ";
    case level::warn: return "WARN ";
    case level::error: return "ERROR";
    case level::off: break;
  }
  return "OFF  ";
}

/// Appends the current UTC time as `2026-11-26T00:12:00.123Z`.
void append_timestamp(std::string& out) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = floor<seconds>(now);
  auto ms = static_cast<int>(duration_cast<milliseconds>(now - secs).count());
  auto tt = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf, n);
  out += '.';
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + ms / 10 % 10);
  out += static_cast<char>('0' + ms % 10);
  out += 'Z';
}

/// Serializes `value` as compact JSON. Invalid UTF-8 becomes U+FFFD instead
/// of throwing, so any input yields valid output on a single line.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Returns `str` as a JSON string literal (quoted, escaped, valid UTF-8).
std::string quote(std::string_view str) {
  return dump(json(str));
}

/// Returns whether `str` reads back unambiguously without quotes in a text
/// line. `quoted` is its JSON literal: any escape or replacement in it means
/// the raw string needs quoting.
bool is_bare(std::string_view str, const std::string& quoted) {
  if (str.empty() || quoted.size() != str.size() + 2
      || quoted.compare(1, str.size(), str) != 0)
    return false;
  for (auto c : str)
    if (c == ' ' || c == '=' || c == '\x7f')
      return false;
  return true;
}

/// Appends a key or a string value, quoted only when needed.
void append_token(std::string& out, std::string_view str) {
  auto quoted = quote(str);
  if (is_bare(str, quoted))
    out.append(str);
  else
    out += quoted;
}

void append_text_value(std::string& out, const json& value) {
  if (value.is_string()) {
    append_token(out, value.get_ref<const std::string&>());
    return;
  }
  // Numbers, booleans and null never contain spaces; arrays and objects may.
  auto str = dump(value);
  if (str.find(' ') == std::string::npos)
    out += str;
  else
    out += quote(str);
}

/// Appends the message unquoted but escaped, so it cannot break the line.
void append_text_message(std::string& out, std::string_view msg) {
  auto quoted = quote(msg);
  // Drop the surrounding quotes and undo the escaping of inner quotes, which
  // only matters inside a JSON string.
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '\\') {
      if (quoted[i + 1] != '"')
        out += '\\';
      out += quoted[++i];
    } else {
      out += quoted[i];
    }
  }
}

std::string text_line(level lvl, std::string_view msg,
                      std::initializer_list<field> fields) {
  std::string out;
  out.reserve(64 + msg.size() + fields.size() * 24);
  append_timestamp(out);
  out += ' ';
  out += text_name(lvl);
  out += ' ';
  append_text_message(out, msg);
  for (auto& [key, value] : fields) {
    out += ' ';
    append_token(out, key);
    out += '=';
    append_text_value(out, value);
  }
  return out;
}

/// Keeps fields from shadowing the fixed keys of a JSON line.
bool is_reserved(std::string_view key) {
  return key == "ts" || key == "level" || key == "msg";
}

std::string json_line(level lvl, std::string_view msg,
                      std::initializer_list<field> fields) {
  std::string out;
  out.reserve(64 + msg.size() + fields.size() * 24);
  out += R"({"ts":")";
  append_timestamp(out);
  out += R"(","level":")";
  out += json_name(lvl);
  out += R"(","msg":)";
  out += quote(msg);
  for (auto& [key, value] : fields) {
    out += ',';
    if (is_reserved(key))
      out += quote("field_" + std::string{key});
    else
      out += quote(key);
    out += ':';
    out += dump(value);
  }
  out += '}';
  return out;
}

} // namespace

void init(format fmt, level lvl, std::shared_ptr<spdlog::sinks::sink> sink) {
  auto logger = make_logger(std::move(sink));
  auto& st = global();
  std::lock_guard<std::mutex> guard{st.mtx};
  st.fmt = fmt;
  st.lvl = lvl;
  // Lines in flight hold the lock, so none still uses the old logger; it is
  // released after the lock.
  logger.swap(st.logger);
}

bool enabled(level lvl) {
  return lvl != level::off
         && lvl >= global().lvl.load(std::memory_order_relaxed);
}

void write(level lvl, std::string_view msg,
           std::initializer_list<field> fields) {
  if (!enabled(lvl))
    return;
  auto& st = global();
  auto line = st.fmt.load(std::memory_order_relaxed) == format::json
                ? json_line(lvl, msg, fields)
                : text_line(lvl, msg, fields);
  std::lock_guard<std::mutex> guard{st.mtx};
  if (!st.logger)
    st.logger = make_logger(nullptr);
  st.logger->log(to_spdlog(lvl),
                 spdlog::string_view_t{line.data(), line.size()});
}

std::optional<level> parse_level(std::string_view str) {
  if (str == "trace")
    return level::trace;
  if (str == "debug")
    return level::debug;
  if (str == "info")
    return level::info;
  if (str == "warn")
    return level::warn;
  if (str == "error")
    return level::error;
  if (str == "off")
    return level::off;
  return std::nullopt;
}

} // namespace av::log
