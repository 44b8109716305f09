#include "runtime/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "core/status.hpp"

namespace wisp {
namespace {

// Set while a thread runs a chunk: a nested parallel_for then runs inline.
thread_local bool t_in_parallel_region = false;

// How long an idle worker polls for the next call before sleeping. Long enough to catch
// the next kernel of a model run (gaps between parallel ops are microseconds), short
// because a spinning worker takes CPU from everything else: on a loaded 2-core machine
// (load 5.5) shufflenet_v2 at 2 threads had median 5.7-6.2 ms with no spin, 8-10 ms with
// 100-200 us and 10-16 ms with 500 us. Asleep, a worker costs the caller a futex wake
// per call, and arrives late (the caller then runs that chunk itself: chunks are claimed,
// not assigned). Measured by the clock, not by a pause count: a pause takes ~26 ns on
// Zen 4, ~1-3 ns on older CPUs. WISP_POOL_SPIN_US overrides it (0 on a shared machine,
// more on a dedicated one), read once per process.
std::chrono::microseconds spin_time() {
  static const std::chrono::microseconds spin = [] {
    const char* env = std::getenv("WISP_POOL_SPIN_US");
    if (!env || !*env) return std::chrono::microseconds(50);
    const long us = std::strtol(env, nullptr, 10);
    return std::chrono::microseconds(std::clamp<long>(us, 0, 1'000'000));
  }();
  return spin;
}
// Pauses between clock reads (a steady_clock read costs ~60 ns here).
constexpr int kPausesPerCheck = 32;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

inline uint32_t generation_of(uint64_t word) { return static_cast<uint32_t>(word >> 32); }

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  WISP_CHECK(threads_ <= 1024, ErrorCode::kInvalidArgument, "thread pool: ", threads, " threads is too many");
  static_assert(1024 <= kChunkMask, "the chunk fields of the claim word must hold threads_");
  workers_.reserve(static_cast<size_t>(threads_ - 1));
  for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { worker(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
    // A new generation with no chunks: spinning workers see it and stop.
    claim_.store((uint64_t{generation_of(claim_.load()) + 1u}) << 32);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_chunk(int c) {
  int64_t begin = 0, end = 0;
  chunk(n_, chunks_, c, begin, end);
  if (begin < end) {
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
  done_.fetch_add(1, std::memory_order_release);
}

void ThreadPool::claim_chunks(uint32_t gen) {
  uint64_t word = claim_.load(std::memory_order_acquire);
  for (;;) {
    const auto next = static_cast<int>(word & kChunkMask);
    const auto count = static_cast<int>((word >> kChunkBits) & kChunkMask);
    if (generation_of(word) != gen || next >= count) return;
    // acquire: a successful claim sees task_, n_ and chunks_ of this generation.
    if (claim_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire))
      run_chunk(next);
  }
}

void ThreadPool::run(int64_t n, Task task) {
  if (n <= 0) return;
  if (threads_ == 1 || n == 1 || t_in_parallel_region) {
    task.call(task.fn, 0, n);
    return;
  }
  // Every chunk of the previous call is done (we waited for done_), so no thread reads
  // these now; a late worker of an old generation finds its generation gone and claims
  // nothing.
  task_ = task;
  n_ = n;
  chunks_ = static_cast<int>(std::min<int64_t>(threads_, n));
  error_ = nullptr;
  has_error_.store(false, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  const uint32_t gen = generation_of(claim_.load(std::memory_order_relaxed)) + 1u;
  // seq_cst store, then the seq_cst load of sleepers_: with the worker's increment of
  // sleepers_ before its seq_cst check of claim_, one of the two sees the other, so a
  // worker either sees the new generation or is notified.
  claim_.store((uint64_t{gen} << 32) | (static_cast<uint64_t>(chunks_) << kChunkBits));
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }  // the sleeper is inside wait() now
    wake_.notify_all();
  }
  claim_chunks(gen);
  // Only chunks that a worker claimed and is still running are left: spin for them (they
  // are running), yield once spinning has not sufficed (a worker descheduled mid-chunk).
  for (int spins = 0; done_.load(std::memory_order_acquire) != chunks_;) {
    if (spins < 20000) {
      cpu_relax();
      ++spins;
    } else {
      std::this_thread::yield();
    }
  }
  if (has_error_.load()) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

void ThreadPool::worker() {
  uint32_t seen = 0;  // the generation at construction, not at this thread's start (later)
  for (;;) {
    uint64_t word = claim_.load(std::memory_order_acquire);
    if (generation_of(word) == seen) {
      const auto until = std::chrono::steady_clock::now() + spin_time();
      for (int i = 1; generation_of(word) == seen; ++i) {
        cpu_relax();
        word = claim_.load(std::memory_order_acquire);
        if (i % kPausesPerCheck == 0 && std::chrono::steady_clock::now() > until) break;
      }
    }
    if (generation_of(word) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleepers_.fetch_add(1);
      wake_.wait(lock, [&] { return generation_of(claim_.load()) != seen || stop_.load(); });
      sleepers_.fetch_sub(1);
      word = claim_.load(std::memory_order_acquire);
    }
    if (stop_.load()) return;
    seen = generation_of(word);
    claim_chunks(seen);
  }
}

}  // namespace wisp
