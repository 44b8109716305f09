#include "runtime/thread_pool.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "core/status.hpp"

namespace wisp {
namespace {

// Set while a thread runs a chunk: a nested parallel_for then runs inline.
thread_local bool t_in_parallel_region = false;

// About tens of microseconds of polling before sleeping: long enough to catch the next
// kernel of a model run, short enough not to burn a core when idle.
constexpr int kSpinIterations = 20000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  WISP_CHECK(threads_ <= 1024, ErrorCode::kInvalidArgument, "thread pool: ", threads, " threads is too many");
  workers_.reserve(static_cast<size_t>(threads_ - 1));
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_chunk(int index) {
  int64_t begin = 0, end = 0;
  chunk(n_, threads_, index, begin, end);
  if (begin >= end) return;
  t_in_parallel_region = true;
  try {
    task_.call(task_.fn, begin, end);
  } catch (...) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!error_) error_ = std::current_exception();
    has_error_.store(true);
  }
  t_in_parallel_region = false;
}

void ThreadPool::run(int64_t n, Task task) {
  if (n <= 0) return;
  if (threads_ == 1 || n == 1 || t_in_parallel_region) {
    task.call(task.fn, 0, n);
    return;
  }
  task_ = task;
  n_ = n;
  error_ = nullptr;
  has_error_.store(false);
  pending_.store(threads_ - 1, std::memory_order_relaxed);
  {
    // Publishing under the mutex pairs with the workers' wait predicate: none misses it.
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_chunk(0);
  // Wait for the workers; yield once spinning has not sufficed (an oversubscribed machine).
  for (int i = 0; pending_.load(std::memory_order_acquire) != 0; ++i) {
    if (i < kSpinIterations) cpu_relax(); else std::this_thread::yield();
  }
  if (has_error_.load()) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t gen = generation_.load(std::memory_order_acquire);
    for (int i = 0; gen == seen && i < kSpinIterations; ++i) {
      cpu_relax();
      gen = generation_.load(std::memory_order_acquire);
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      gen = generation_.load(std::memory_order_acquire);
    }
    seen = gen;
    if (stop_.load()) return;
    run_chunk(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace wisp
