#pragma once

// Minimal self-contained test harness: each test is a function; a test
// passes when none of its checks failed and it threw nothing.

#include <cstdio>
#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace av::test {

struct registry {
  std::vector<std::pair<std::string, std::function<void()>>> tests;
  int failures_in_current = 0;

  static registry& get() {
    static registry r;
    return r;
  }
};

struct add {
  add(const char* name, std::function<void()> fn) {
    registry::get().tests.emplace_back(name, std::move(fn));
  }
};

inline void fail(const char* file, int line, const std::string& what) {
  ++registry::get().failures_in_current;
  std::printf("  %s:%d: check failed: %s\n", file, line, what.c_str());
}

/// Runs all registered tests, prints the summary and returns the exit code.
inline int run_all() {
  auto& r = registry::get();
  int passed = 0;
  int failed = 0;
  for (auto& [name, fn] : r.tests) {
    r.failures_in_current = 0;
    try {
      fn();
    } catch (const std::exception& e) {
      ++r.failures_in_current;
      std::printf("  unexpected exception: %s\n", e.what());
    }
    bool ok = r.failures_in_current == 0;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", name.c_str());
    (ok ? passed : failed) += 1;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

} // namespace av::test

#define AV_TEST(name)                                                          \
  static void name();                                                          \
  static ::av::test::add name##_registration{#name, name};                     \
  static void name()

#define AV_CHECK(cond)                                                         \
  do {                                                                         \
    if (!(cond))                                                               \
      ::av::test::fail(__FILE__, __LINE__, #cond);                             \
  } while (false)

/// Checks `|a - b| <= tol`, printing both values on failure.
#define AV_CHECK_NEAR(a, b, tol)                                               \
  do {                                                                         \
    double av_a_ = (a), av_b_ = (b);                                           \
    if (!(av_a_ - av_b_ <= (tol) && av_b_ - av_a_ <= (tol)))                   \
      ::av::test::fail(__FILE__, __LINE__,                                     \
                       std::string{#a " ~ " #b ": "} + std::to_string(av_a_)   \
                         + " vs " + std::to_string(av_b_));                    \
  } while (false)

/// Checks that `expr` throws `type` whose message contains `needle`.
#define AV_CHECK_THROWS(expr, type, needle)                                    \
  do {                                                                         \
    bool av_thrown_ = false;                                                   \
    try {                                                                      \
      expr;                                                                    \
    } catch (const type& e) {                                                  \
      av_thrown_ = std::string{e.what()}.find(needle) != std::string::npos;    \
      if (!av_thrown_)                                                         \
        std::printf("  message was: %s\n", e.what());                          \
    } catch (...) {}                                                           \
    if (!av_thrown_)                                                           \
      ::av::test::fail(__FILE__, __LINE__,                                     \
                       #expr " throws " #type " mentioning " needle);          \
  } while (false)

/// Checks that `expr`, an optional message, holds one containing `needle`.
#define AV_CHECK_ERROR(expr, needle)                                           \
  do {                                                                         \
    auto av_error_ = (expr);                                                   \
    bool av_found_                                                             \
      = av_error_ && av_error_->find(needle) != std::string::npos;             \
    if (av_error_ && !av_found_)                                               \
      std::printf("  message was: %s\n", av_error_->c_str());                  \
    if (!av_found_)                                                            \
      ::av::test::fail(__FILE__, __LINE__,                                     \
                       #expr " says something mentioning " needle);            \
  } while (false)
