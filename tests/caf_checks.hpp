#pragma once

// CAF 0.17's CAF_CHECK_EQUAL and its kin bind `auto&&` to each side and
// compare in a later statement, so a side that is a member of a temporary
// (`get("k")->value`, `ask(...).at(0)`) dangles by then: AddressSanitizer
// reports it as a use after scope or after free. Every test includes this
// header after CAF's: the same checks and messages, each side compared
// within the one full expression that keeps its temporaries alive.

#include <caf/test/unit_test.hpp>

namespace av::test {

template <class Comparison, class T, class U>
bool check_values(const char* file, size_t line, const char* expr, const T& x,
                  const U& y) {
  Comparison comparator;
  return ::caf::test::detail::check(::caf::test::engine::current_test(), file,
                                    line, expr, false, comparator(x, y), x, y);
}

} // namespace av::test

#undef CAF_CHECK_FUNC
#define CAF_CHECK_FUNC(func, x_expr, y_expr)                                   \
  do {                                                                         \
    static_cast<void>(::av::test::check_values<func>(                          \
      __FILE__, __LINE__, CAF_FUNC_EXPR(func, x_expr, y_expr), x_expr,         \
      y_expr));                                                                \
    ::caf::test::engine::last_check_file(__FILE__);                            \
    ::caf::test::engine::last_check_line(__LINE__);                            \
  } while (false)

#undef CAF_REQUIRE_FUNC
#define CAF_REQUIRE_FUNC(func, x_expr, y_expr)                                 \
  do {                                                                         \
    if (!::av::test::check_values<func>(__FILE__, __LINE__,                    \
                                        CAF_FUNC_EXPR(func, x_expr, y_expr),   \
                                        x_expr, y_expr))                       \
      ::caf::test::detail::requirement_failed(                                 \
        CAF_FUNC_EXPR(func, x_expr, y_expr));                                  \
    ::caf::test::engine::last_check_file(__FILE__);                            \
    ::caf::test::engine::last_check_line(__LINE__);                            \
  } while (false)
