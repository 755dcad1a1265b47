#include "thread_pool.hpp"

namespace av::layout::detail {

thread_pool::thread_pool(unsigned threads) {
  if (threads < 1)
    threads = 1;
  workers_.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i)
    workers_.emplace_back([this, i] { worker_loop(i); });
}

thread_pool::~thread_pool() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_)
    t.join();
}

void thread_pool::run_impl(std::size_t tasks, task_fn fn, void* ctx) {
  if (tasks == 0)
    return;
  if (workers_.empty() || tasks == 1) {
    for (std::size_t i = 0; i < tasks; ++i)
      fn(ctx, i, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> guard{mtx_};
    fn_ = fn;
    ctx_ = ctx;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    active_ = static_cast<unsigned>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  work(0);
  std::unique_lock<std::mutex> lock{mtx_};
  done_.wait(lock, [this] { return active_ == 0; });
}

void thread_pool::work(unsigned thread) {
  for (;;) {
    auto i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= tasks_)
      return;
    fn_(ctx_, i, thread);
  }
}

void thread_pool::worker_loop(unsigned thread) {
  std::size_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock{mtx_};
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_)
        return;
      seen = generation_;
    }
    work(thread);
    std::lock_guard<std::mutex> guard{mtx_};
    if (--active_ == 0)
      done_.notify_one();
  }
}

} // namespace av::layout::detail
