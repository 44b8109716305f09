// The ThreadPool's fixed cost: the fork/join latency of one parallel_for, measured with
// an empty body (what a tiny op pays for going parallel), with a body of ~1 us and ~10 us
// of arithmetic per chunk, and back to back with a gap (a model's kernels are separated
// by serial work: does a worker still catch the next call while spinning?). The 1-thread
// rows are the same loop run inline, the floor.
//   build/bench/wisp_bench_kernels --benchmark_filter='pool' --benchmark_repetitions=5
// The machine must have at least `threads` free cores for the numbers to mean anything;
// record the load average (cat /proc/loadavg) next to them.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

// About `iters` dependent multiply-adds: a body whose duration does not depend on memory.
inline float busy(int64_t iters, float x) {
  for (int64_t i = 0; i < iters; ++i) x = x * 0.999f + 0.001f;
  return x;
}

// state.range(0): threads; state.range(1): multiply-adds per item (8 items per call).
void pool_fork_join(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)));
  const int64_t work = state.range(1);
  float sink[8] = {};
  for (auto _ : state) {
    parallel_for(&pool, 8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sink[i] = busy(work, sink[i] + 1.0f);
    });
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(sink);
  state.counters["calls/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(pool_fork_join)
    ->ArgNames({"threads", "work"})
    ->Args({1, 0})->Args({2, 0})->Args({3, 0})
    ->Args({1, 250})->Args({2, 250})
    ->Args({1, 2500})->Args({2, 2500})
    ->UseRealTime();

// Back-to-back calls separated by `gap` microseconds of serial work on the caller: the
// cost per call above the gap says whether the workers were still awake.
void pool_with_gap(benchmark::State& state) {
  ThreadPool pool(static_cast<int>(state.range(0)));
  const auto gap = std::chrono::microseconds(state.range(1));
  float sink[8] = {};
  for (auto _ : state) {
    const auto until = std::chrono::steady_clock::now() + gap;
    while (std::chrono::steady_clock::now() < until) {
    }
    parallel_for(&pool, 8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sink[i] = busy(100, sink[i] + 1.0f);
    });
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(sink);
}
BENCHMARK(pool_with_gap)
    ->ArgNames({"threads", "gap_us"})
    ->Args({1, 10})->Args({2, 10})
    ->Args({1, 100})->Args({2, 100})
    ->Args({1, 1000})->Args({2, 1000})
    ->UseRealTime();

}  // namespace
}  // namespace wisp
