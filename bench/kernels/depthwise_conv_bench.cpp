// Depthwise Conv 3x3 (float32, NCHW, pad 1) at mobilenet_v2 shapes, for the reference and
// each x86 ISA this CPU runs, at 1 and 2 threads. Reports FLOP/s (2 * 9 * outputs per run).
//   build/bench/wisp_bench_kernels --benchmark_filter=depthwise
// The first argument picks the layer (mobilenet_v2 node):
//   0: stride 1, C=144, 56x56 (features.3)     1: stride 2, C=96, 112x112 -> 56x56 (features.2)
//   2: stride 1, C=576, 14x14 (features.12)    3: stride 1, C=960, 7x7 (features.15)
//   4: stride 2, C=144, 56x56 -> 28x28 (features.4)
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "bench_util.hpp"
#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

using bench::random_tensor;

struct DwLayer {
  int64_t stride, channels, hw;
};
constexpr DwLayer kLayers[] = {{1, 144, 56}, {2, 96, 112}, {1, 576, 14}, {1, 960, 7}, {2, 144, 56}};

// state.range: 0 = layer (kLayers), 1 = threads.
void depthwise_conv_f32(benchmark::State& state, Isa isa) {
  const DwLayer& layer = kLayers[state.range(0)];
  const int64_t stride = layer.stride;
  const int threads = static_cast<int>(state.range(1));
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  const int64_t c = layer.channels, hw = layer.hw;
  ref::ConvParams p;
  p.batch = 1;
  p.in_channels = p.out_channels = p.group = c;
  p.has_bias = true;
  ref::WindowAttrs attrs;
  attrs.kernel = {3, 3};
  attrs.strides = {stride, stride};
  attrs.pads = {1, 1, 1, 1};
  p.geo = ref::window_geometry({hw, hw}, attrs);
  const int64_t oh = p.geo.out[1], ow = p.geo.out[2];
  KernelFn fn = find_kernel("", "Conv", DType::kF32, isa);
  Tensor x = random_tensor(Shape{1, c, hw, hw}, 1), w = random_tensor(Shape{c, 1, 3, 3}, 2);
  Tensor b = random_tensor(Shape{c}, 3), y(DType::kF32, Shape{1, c, oh, ow});
  std::vector<float> scratch(static_cast<size_t>(ref::conv_col_elems(p)));  // the reference's im2col
  TensorView xv = x.view(), wv = w.view(), bv = b.view(), yv = y.view();
  const TensorView* ins[] = {&xv, &wv, &bv};
  TensorView* outs[] = {&yv};
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), static_cast<int64_t>(scratch.size() * sizeof(float)),
                  nullptr, pool.get()};
  for (auto _ : state) {
    fn(args);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * 9 * double(c * oh * ow) * double(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(depthwise_conv_f32, ref, Isa::kRef)->ArgsProduct({{0, 1, 2, 3, 4}, {1}})->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(depthwise_conv_f32, avx2, Isa::kAvx2)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(depthwise_conv_f32, avx512, Isa::kAvx512)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace wisp
