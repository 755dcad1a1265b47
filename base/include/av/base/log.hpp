#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace spdlog::sinks {
class sink;
} // namespace spdlog::sinks

/// Leveled, structured logging for the whole process. Each call writes one
/// line, either `ts LEVEL msg key=value ...` or one JSON object.
namespace av::log {

/// Output format of a log line.
enum class format { text, json };

/// Severity of a log line; `off` disables all output.
enum class level { trace, debug, info, warn, error, off };

/// A key-value pair attached to a log line.
using field = std::pair<std::string_view, nlohmann::json>;

/// Configures the process-wide logger (stderr, or `sink` in tests). Call once
/// at start-up; before init, lines go to stderr as text at info level. The
/// sink gets one complete line per call, already formatted.
void init(format fmt, level lvl,
          std::shared_ptr<spdlog::sinks::sink> sink = nullptr);

/// Returns whether a line at `lvl` would be written. Use it to skip building
/// expensive fields.
bool enabled(level lvl);

/// Writes one line at `lvl` if enabled. Safe to call from any thread.
void write(level lvl, std::string_view msg,
           std::initializer_list<field> fields = {});

inline void trace(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::trace, msg, f);
}

inline void debug(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::debug, msg, f);
}

inline void info(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::info, msg, f);
}

inline void warn(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::warn, msg, f);
}

inline void error(std::string_view msg, std::initializer_list<field> f = {}) {
  write(level::error, msg, f);
}

/// Parses "trace".."off"; nullopt for anything else.
std::optional<level> parse_level(std::string_view);

} // namespace av::log
