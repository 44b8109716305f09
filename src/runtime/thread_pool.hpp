// A small fork-join thread pool for kernels: parallel_for(n, fn(begin, end)).
//
// Work is split statically into min(threads(), n) contiguous chunks, chunk c being
// [n*c/T, n*(c+1)/T): which indices a chunk holds depends only on n and T, and every
// index is computed by exactly the code that would compute it serially, so a kernel that
// writes disjoint outputs per index gives bit-identical results for any thread count.
//
// Which thread runs a chunk is NOT fixed: the caller and the workers claim chunks from
// one atomic word (generation | chunk count | next chunk), the caller first. A worker that
// has not woken up yet (descheduled on a busy machine, or asleep) therefore costs nothing:
// the caller runs its chunk too, and only waits for chunks already being run. With a fixed
// chunk per thread, one late worker made every parallel_for wait for a scheduler time
// slice (2 threads ran 5-10x slower than 1 on a loaded 2-core machine). Kernels must not
// assume that chunk c runs on thread c; per-slot scratch is indexed by the item
// (gemm_f32_conv_driver.hpp runs parallel_for over slots), never by a thread id.
//
// Workers spin briefly (50 us by the clock; WISP_POOL_SPIN_US overrides) on the claim
// word after their last chunk (kernels are called back to back while a model runs), then
// sleep on a condition variable; the caller locks and notifies only when some worker
// sleeps. A call allocates nothing and takes no lock while the workers spin. A
// parallel_for issued from inside a chunk (nested) runs serially on the calling thread.
// One parallel_for at a time per pool: a pool belongs to one Session, which runs on one
// thread at a time.
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
  // The claim word: generation (high 32 bits), chunk count (16), next chunk to claim (16).
  static constexpr int kChunkBits = 16;
  static constexpr uint64_t kChunkMask = (uint64_t{1} << kChunkBits) - 1;

  void run(int64_t n, Task task);
  void worker();
  // Claims and runs chunks of generation `gen` until none is left.
  void claim_chunks(uint32_t gen);
  void run_chunk(int c);

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  alignas(64) std::atomic<uint64_t> claim_{0};
  alignas(64) std::atomic<int> done_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  // Written by the caller before it publishes a generation in claim_; read by a thread
  // only after it claimed a chunk of that generation.
  Task task_;
  int64_t n_ = 0;
  int chunks_ = 0;
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
