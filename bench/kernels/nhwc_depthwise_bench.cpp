// Depthwise Conv (float32, pad k/2, bias) in NCHW (the Conv kernel: depthwise_conv_f32_*)
// against NHWC (NhwcDepthwiseConv: depthwise_conv_nhwc_f32_*) at the zoo's shapes, per x86
// ISA, at 1 and 2 threads. Reports FLOP/s (2 * taps * outputs per run).
//   build/bench/wisp_bench_kernels --benchmark_filter=dw_layout
// The first argument picks the layer (kLayers): mobilenet_v2's 3x3 ones, then
// efficientnet-b0's 5x5 ones.
#include <benchmark/benchmark.h>

#include <memory>
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
  int64_t k, stride, channels, hw;
};
constexpr DwLayer kLayers[] = {
    {3, 1, 32, 112}, {3, 2, 96, 112}, {3, 1, 144, 56}, {3, 2, 144, 56}, {3, 1, 192, 28}, {3, 2, 192, 28},
    {3, 1, 384, 14}, {3, 1, 576, 14}, {3, 2, 576, 14}, {3, 1, 960, 7},  {5, 1, 240, 28}, {5, 2, 144, 56},
    {5, 1, 672, 14}, {5, 2, 672, 14}, {5, 1, 1152, 7},
};
constexpr int kLayerCount = static_cast<int>(sizeof(kLayers) / sizeof(kLayers[0]));

// state.range: 0 = layer, 1 = threads.
void dw_layout(benchmark::State& state, Isa isa, bool nhwc) {
  const DwLayer& layer = kLayers[state.range(0)];
  const int threads = static_cast<int>(state.range(1));
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  const int64_t c = layer.channels, hw = layer.hw, k = layer.k;
  ref::ConvParams p;
  p.batch = 1;
  p.in_channels = p.out_channels = p.group = c;
  p.has_bias = true;
  p.w_constant = true;
  ref::WindowAttrs attrs;
  attrs.kernel = {k, k};
  attrs.strides = {layer.stride, layer.stride};
  attrs.pads = {k / 2, k / 2, k / 2, k / 2};
  p.geo = ref::window_geometry({hw, hw}, attrs);
  const int64_t oh = p.geo.out[1], ow = p.geo.out[2];
  KernelFn fn = nhwc ? find_kernel("com.wisp", "NhwcDepthwiseConv", DType::kF32, isa)
                     : find_kernel("", "Conv", DType::kF32, isa);
  if (!fn) {
    state.SkipWithError("no kernel");
    return;
  }
  Tensor x = random_tensor(nhwc ? Shape{1, hw, hw, c} : Shape{1, c, hw, hw}, 1);
  Tensor w = random_tensor(Shape{c, 1, k, k}, 2);
  Tensor b = random_tensor(Shape{c}, 3), y(DType::kF32, nhwc ? Shape{1, oh, ow, c} : Shape{1, c, oh, ow});
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
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * double(k * k) * double(c * oh * ow) * double(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

void layers(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2})
    for (int l = 0; l < kLayerCount; ++l) b->Args({l, threads});
}

BENCHMARK_CAPTURE(dw_layout, nchw_avx2, Isa::kAvx2, false)->Apply(layers)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(dw_layout, nhwc_avx2, Isa::kAvx2, true)->Apply(layers)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(dw_layout, nchw_avx512, Isa::kAvx512, false)->Apply(layers)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(dw_layout, nhwc_avx512, Isa::kAvx512, true)->Apply(layers)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace wisp
