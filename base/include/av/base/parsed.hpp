#pragma once

#include <optional>
#include <string>
#include <utility>

namespace av {

/// Why a text parser rejected its input, as a short phrase for people, such
/// as `missing port`.
struct parse_error {
  std::string message;
};

/// The outcome of parsing text: either a value or a `parse_error`. The small
/// parsers use it instead of exceptions so callers can report every failure
/// in their own words.
template <class T>
class parsed {
public:
  parsed(T value) : value_(std::move(value)) {
    // nop
  }

  parsed(parse_error err) : error_(std::move(err.message)) {
    // nop
  }

  /// Returns whether parsing succeeded.
  explicit operator bool() const noexcept { return value_.has_value(); }

  /// Returns the value; only valid after success.
  const T& operator*() const& { return *value_; }

  /// Moves the value out; only valid after success. Returns by value so that
  /// `*parse_x(text)` never refers to a destroyed temporary.
  T operator*() && { return std::move(*value_); }

  /// Accesses the value; only valid after success.
  const T* operator->() const { return &*value_; }

  /// Returns why parsing failed; empty after success.
  const std::string& error() const& noexcept { return error_; }

  /// Moves the message out, so that `parse_x(text).error()` is safe to keep.
  std::string error() && { return std::move(error_); }

private:
  std::optional<T> value_;
  std::string error_;
};

} // namespace av
