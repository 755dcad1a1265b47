#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

namespace av {

/// Why a text parser rejected its input, as a short phrase for people, such
/// as `missing port`.
struct parse_error {
  parse_error(std::string message = {}, std::string field = {})
    : message(std::move(message)), field(std::move(field)) {
    // nop
  }

  std::string message;
  /// The input field at fault, for answers that name it (`type` in
  /// `type: required`); empty when the input as a whole is.
  std::string field;
};

/// `field: what`, naming `field`.
inline parse_error field_error(std::string field, const std::string& what) {
  auto message = field + ": " + what;
  return parse_error{std::move(message), std::move(field)};
}

/// The outcome of a check: nothing, or why the input is bad.
using parse_check = std::optional<parse_error>;

/// The first failed check of `checks`, in order; none when all passed. The
/// checks are arguments, so all of them have run: use it for checks that
/// only read their input and fill the result.
inline parse_check first_error(std::initializer_list<parse_check> checks) {
  for (auto& x : checks)
    if (x)
      return x;
  return std::nullopt;
}

/// The outcome of parsing text: either a value or a `parse_error`. The small
/// parsers use it instead of exceptions so callers can report every failure
/// in their own words.
template <class T>
class parsed {
public:
  parsed(T value) : value_(std::move(value)) {
    // nop
  }

  parsed(parse_error err) : error_(std::move(err)) {
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
  const std::string& error() const& noexcept { return error_.message; }

  /// Moves the message out, so that `parse_x(text).error()` is safe to keep.
  std::string error() && { return std::move(error_.message); }

  /// Why parsing failed, with the field at fault; empty after success.
  const parse_error& failure() const& noexcept { return error_; }

private:
  std::optional<T> value_;
  parse_error error_;
};

} // namespace av
