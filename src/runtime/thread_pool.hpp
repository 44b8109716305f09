// A small fork-join thread pool for kernels: parallel_for(n, fn(begin, end)).
//
// Work is split statically into `threads()` contiguous chunks, chunk t being
// [n*t/T, n*(t+1)/T): which indices a thread gets depends only on n and T, and every
// index is computed by exactly the code that would compute it serially, so a kernel that
// writes disjoint outputs per index gives bit-identical results for any thread count.
// The calling thread runs chunk 0; workers 1..T-1 spin briefly on a generation counter
// (kernels are called back to back while a model runs), then sleep on a condition
// variable. A call allocates nothing. A parallel_for issued from inside a chunk (nested)
// runs serially on the calling thread. One parallel_for at a time per pool: a pool
// belongs to one Session, which runs on one thread at a time.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace wisp {

class ThreadPool {
 public:
  // `threads` counts the caller: 1 starts no worker and runs everything inline.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }

  // Calls fn(begin, end) over contiguous chunks covering [0, n) once each, and returns
  // when all are done. An exception thrown by a chunk is rethrown here (the first one).
  template <class Fn>
  void parallel_for(int64_t n, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    run(n, Task{const_cast<void*>(static_cast<const void*>(&fn)),
                [](void* f, int64_t b, int64_t e) { (*static_cast<F*>(f))(b, e); }});
  }

  // The chunk [begin, end) that thread t of `threads` gets for n items.
  static void chunk(int64_t n, int threads, int t, int64_t& begin, int64_t& end) {
    begin = n * t / threads;
    end = n * (t + 1) / threads;
  }

 private:
  struct Task {
    void* fn = nullptr;
    void (*call)(void*, int64_t, int64_t) = nullptr;
  };
  void run(int64_t n, Task task);
  void worker(int index);
  void run_chunk(int index);

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  Task task_;
  int64_t n_ = 0;
  std::exception_ptr error_;
  std::atomic<bool> has_error_{false};
  std::mutex error_mutex_;
};

// Runs fn over [0, n) with `pool` when there is one, else inline in one chunk.
template <class Fn>
void parallel_for(ThreadPool* pool, int64_t n, Fn&& fn) {
  if (pool && pool->threads() > 1 && n > 1) {
    pool->parallel_for(n, fn);
  } else if (n > 0) {
    fn(int64_t{0}, n);
  }
}

}  // namespace wisp
