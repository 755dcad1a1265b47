#pragma once

#include <string>

#include "caf_checks.hpp"
#include <caf/expected.hpp>
#include <caf/test/unit_test.hpp>

#include "av/error.hpp"

/// Checks shared by the tests of both memory stores (in process, Redis).
namespace av::test {

/// The code of a store's error (`invalid_argument`, `store_full`, ...), or
/// "none".
inline std::string code(const caf::error& err) {
  return err ? to_string(code_of(err)) : "none";
}

/// Whether `err` refuses the request field `field`.
inline bool refused(const caf::error& err, const std::string& field) {
  return code(err) == "invalid_argument" && field_of(err) == field;
}

/// Unwraps a store's answer; the test fails when it is an error.
template <class T>
T ok(caf::expected<T> x) {
  CAF_REQUIRE(x);
  return std::move(*x);
}

} // namespace av::test
