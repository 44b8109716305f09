// float32 Gemm (C = A x B + bias, B constant so packed once, as for model weights) for
// each ISA variant this CPU runs, at 1 and 2 threads. Reports FLOP/s (2*M*N*K per run).
//   build/bench/wisp_bench_kernels --benchmark_filter=Gemm
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "bench_util.hpp"
#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/gemm_op.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

using bench::random_tensor;

// state.range: 0 = M = N = K, 1 = threads; `isa` picks the kernel.
void gemm_f32(benchmark::State& state, Isa isa) {
  const int64_t s = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  KernelFn fn = find_kernel("", "Gemm", DType::kF32, isa);
  ref::GemmParams p;
  p.m = p.n = p.k = s;
  p.has_c = true;
  p.c_col_stride = 1;
  p.b_constant = true;
  Tensor a = random_tensor(Shape{s, s}, 1), b = random_tensor(Shape{s, s}, 2), c = random_tensor(Shape{s}, 3);
  Tensor y(DType::kF32, Shape{s, s});
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
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * double(s) * double(s) * double(s) * double(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

// The reference kernel is serial: one thread only.
BENCHMARK_CAPTURE(gemm_f32, ref, Isa::kRef)->ArgsProduct({{256, 1024}, {1}})->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(gemm_f32, avx2, Isa::kAvx2)->ArgsProduct({{256, 1024}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(gemm_f32, avx512, Isa::kAvx512)->ArgsProduct({{256, 1024}, {1, 2}})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace wisp
