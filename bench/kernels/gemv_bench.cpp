// float32 Gemm with one row (M = 1: the classifier Linear layers, gemv_f32.hpp) at the zoo's
// shapes, B constant and transposed as PyTorch exports it, for each ISA at 1 and 2 threads.
// Reports the packed-weight bandwidth (4 * K * N bytes per run).
//   build/bench/wisp_bench_kernels --benchmark_filter=gemv
#include <benchmark/benchmark.h>

#include <memory>

#include "bench_util.hpp"
#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/gemm_op.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

using bench::random_tensor;

// state.range: 0 = K, 1 = N, 2 = threads; `isa` picks the kernel.
void gemv_f32(benchmark::State& state, Isa isa) {
  const int64_t k = state.range(0), n = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  KernelFn fn = find_kernel("", "Gemm", DType::kF32, isa);
  ref::GemmParams p;
  p.m = 1, p.n = n, p.k = k;
  p.trans_b = true;
  p.has_c = true;
  p.c_col_stride = 1;
  p.b_constant = true;
  Tensor a = random_tensor(Shape{1, k}, 1), b = random_tensor(Shape{n, k}, 2), c = random_tensor(Shape{n}, 3);
  Tensor y(DType::kF32, Shape{1, n});
  TensorView av = a.view(), bv = b.view(), cv = c.view(), yv = y.view();
  const TensorView* ins[] = {&av, &bv, &cv};
  TensorView* outs[] = {&yv};
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  KernelArgs args{nullptr, &p, ins, outs, nullptr, 0, nullptr, pool.get()};
  fn(args);  // packs B once, as a session's first run does
  for (auto _ : state) {
    fn(args);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes/s"] =
      benchmark::Counter(4.0 * double(k) * double(n) * double(state.iterations()), benchmark::Counter::kIsRate);
}

// mobilenet_v3_small's two classifier Gemms, mobilenet_v2's / mnasnet's one.
#define WISP_GEMV_SHAPES ->Args({576, 1024, 1})->Args({1024, 1000, 1})->Args({1280, 1000, 1})->Args({1280, 1000, 2})
BENCHMARK_CAPTURE(gemv_f32, avx2, Isa::kAvx2) WISP_GEMV_SHAPES->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(gemv_f32, avx512, Isa::kAvx512) WISP_GEMV_SHAPES->Unit(benchmark::kMicrosecond)->UseRealTime();
#undef WISP_GEMV_SHAPES

}  // namespace
}  // namespace wisp
