// Pools (float32) in NCHW (MaxPool / AveragePool / GlobalAveragePool: pool_f32_*) against
// NHWC (NhwcMaxPool / NhwcAveragePool / NhwcGlobalAveragePool: pool_nhwc_f32_*) at the
// zoo's shapes, per x86 ISA, at 1 and 2 threads.
//   build/bench/wisp_bench_kernels --benchmark_filter=pool_layout
// The first argument picks the case (kCases).
#include <benchmark/benchmark.h>

#include <memory>

#include "bench_util.hpp"
#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/pool.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

using bench::random_tensor;

struct PoolCase {
  const char* op;  // the NCHW op; the NHWC one is "Nhwc" + op
  int64_t channels, hw, k, stride, pad;
};
constexpr PoolCase kCases[] = {
    {"MaxPool", 64, 112, 3, 2, 1},           // resnet18 stem
    {"AveragePool", 256, 28, 3, 1, 1},       // an inception-style 3x3 s1 average
    {"GlobalAveragePool", 1280, 7, 0, 0, 0},  // mobilenet_v2 head
    {"GlobalAveragePool", 512, 7, 0, 0, 0},   // resnet18 head
};
constexpr int kCaseCount = static_cast<int>(sizeof(kCases) / sizeof(kCases[0]));

// state.range: 0 = case, 1 = threads.
void pool_layout(benchmark::State& state, Isa isa, bool nhwc) {
  const PoolCase& pc = kCases[state.range(0)];
  const int threads = static_cast<int>(state.range(1));
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  const bool global = pc.k == 0;
  const int64_t c = pc.channels, hw = pc.hw;
  ref::PoolParams wp;
  ref::GlobalPoolParams gp;
  Shape out;
  if (global) {
    gp.planes = nhwc ? 1 : c;
    gp.plane_size = hw * hw;
    gp.channels = nhwc ? c : 1;
    gp.kind = ref::PoolKind::kAverage;
    out = nhwc ? Shape{1, 1, 1, c} : Shape{1, c, 1, 1};
  } else {
    ref::WindowAttrs attrs;
    attrs.kernel = {pc.k, pc.k};
    attrs.strides = {pc.stride, pc.stride};
    attrs.pads = {pc.pad, pc.pad, pc.pad, pc.pad};
    wp.geo = ref::window_geometry({hw, hw}, attrs);
    wp.planes = nhwc ? 1 : c;
    wp.channels = nhwc ? c : 1;
    wp.kind = pc.op[0] == 'M' ? ref::PoolKind::kMax : ref::PoolKind::kAverage;
    const int64_t oh = wp.geo.out[1], ow = wp.geo.out[2];
    out = nhwc ? Shape{1, oh, ow, c} : Shape{1, c, oh, ow};
  }
  const std::string op = nhwc ? std::string("Nhwc") + pc.op : std::string(pc.op);
  KernelFn fn = find_kernel(nhwc ? "com.wisp" : "", op, DType::kF32, isa);
  Tensor x = random_tensor(nhwc ? Shape{1, hw, hw, c} : Shape{1, c, hw, hw}, 1), y(DType::kF32, out);
  TensorView xv = x.view(), yv = y.view();
  const TensorView* ins[] = {&xv};
  TensorView* outs[] = {&yv};
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  KernelArgs args{nullptr, global ? static_cast<const void*>(&gp) : &wp, ins, outs, nullptr, 0, nullptr, pool.get()};
  for (auto _ : state) {
    fn(args);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
}

void cases(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2})
    for (int i = 0; i < kCaseCount; ++i) b->Args({i, threads});
}

BENCHMARK_CAPTURE(pool_layout, nchw_avx2, Isa::kAvx2, false)->Apply(cases)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(pool_layout, nhwc_avx2, Isa::kAvx2, true)->Apply(cases)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(pool_layout, nchw_avx512, Isa::kAvx512, false)->Apply(cases)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(pool_layout, nhwc_avx512, Isa::kAvx512, true)->Apply(cases)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace wisp
