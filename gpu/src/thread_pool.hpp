#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace av::layout::detail {

/// A fixed set of worker threads that run numbered tasks in parallel.
///
/// Tasks are claimed dynamically, so which thread runs a task varies; callers
/// keep results deterministic by writing each task's result to its own slot.
class thread_pool {
public:
  /// Creates `threads - 1` workers; the caller of `run` is the last thread.
  explicit thread_pool(unsigned threads);

  ~thread_pool();

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  /// Returns the number of threads including the caller.
  unsigned size() const noexcept {
    return static_cast<unsigned>(workers_.size()) + 1;
  }

  /// Calls `f(task, thread)` for each task in `[0, tasks)` and waits for
  /// all; `thread` in `[0, size())` identifies the running thread, e.g. to
  /// pick its scratch space.
  template <class F>
  void run(std::size_t tasks, F&& f) {
    auto call = [](void* ctx, std::size_t task, unsigned thread) {
      (*static_cast<std::remove_reference_t<F>*>(ctx))(task, thread);
    };
    run_impl(tasks, call, &f);
  }

private:
  using task_fn = void (*)(void*, std::size_t, unsigned);

  void run_impl(std::size_t tasks, task_fn fn, void* ctx);
  void work(unsigned thread);
  void worker_loop(unsigned thread);

  std::vector<std::thread> workers_;
  std::mutex mtx_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::size_t generation_ = 0;
  unsigned active_ = 0;
  bool stop_ = false;
  task_fn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::size_t tasks_ = 0;
  std::atomic<std::size_t> next_{0};
};

} // namespace av::layout::detail
