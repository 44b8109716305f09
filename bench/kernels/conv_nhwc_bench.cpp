// float32 NhwcConv (indirect GEMM, kernels/x86/conv_nhwc_f32_driver.hpp) against the NCHW
// Conv (im2col + GEMM) at the same shapes: resnet18's 3x3 stages and stem, a large 1x1,
// and mobilenet_v2's 1x1 expansions/projections. Weights constant (packed on the first
// call, as in a Session), bias + fused Relu, 1 thread, timed in CPU time (the machine is
// shared). Reports FLOP/s (2 * M * C * taps * P).
//   build/bench/wisp_bench_kernels --benchmark_filter='conv_layout/(nhwc|nchw)_f32/avx512'
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "bench_util.hpp"
#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/conv_nhwc.hpp"

namespace wisp {
namespace {

using bench::random_tensor;

// state.range: 0 = in channels, 1 = out channels, 2 = input height = width, 3 = kernel
// (padding kernel / 2), 4 = stride.
// winograd: NhwcConv given the scratch its op requests (ref::nhwc_conv_scratch_bytes), so
// 3x3 stride-1 shapes run Winograd F(2x2, 3x3); FLOP/s still counts the direct conv's.
void conv_layout(benchmark::State& state, Isa isa, bool nhwc, bool winograd = false) {
  const int64_t c = state.range(0), m = state.range(1), hw = state.range(2), ks = state.range(3);
  const int64_t stride = state.range(4);
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  KernelFn fn = nhwc ? find_kernel("com.wisp", "NhwcConv", DType::kF32, isa) : find_kernel("", "Conv", DType::kF32, isa);
  ref::WindowAttrs attrs;
  attrs.kernel = {ks, ks};
  attrs.pads = {ks / 2, ks / 2, ks / 2, ks / 2};
  attrs.strides = {stride, stride};
  ref::ConvParams p;
  p.geo = ref::window_geometry({hw, hw}, attrs);
  p.in_channels = c;
  p.out_channels = m;
  p.has_bias = true;
  p.w_constant = true;
  p.epilogue.act = ref::EpilogueAct::kRelu;
  const int64_t k = ref::ws_per_out(p), positions = p.geo.out_size();
  // NHWC with a constant W needs no scratch; NCHW one tiled slot (ir/ops/conv.cpp).
  const int64_t scratch_floats = winograd ? ref::nhwc_conv_scratch_bytes(p, isa, 1) / 4 + 16
                                 : nhwc   ? 16
                                          : ref::conv_tiled_slot_floats(k, positions) + 16;
  std::vector<float> scratch(static_cast<size_t>(scratch_floats));
  const int64_t oh = p.geo.out[1], ow = p.geo.out[2];
  Tensor x = random_tensor(nhwc ? Shape{1, hw, hw, c} : Shape{1, c, hw, hw}, 1);
  Tensor w = random_tensor(Shape{m, c, ks, ks}, 2), b = random_tensor(Shape{m}, 3);
  Tensor y(DType::kF32, nhwc ? Shape{1, oh, ow, m} : Shape{1, m, oh, ow});
  TensorView xv = x.view(), wv = w.view(), bv = b.view(), yv = y.view();
  const TensorView* ins[] = {&xv, &wv, &bv};
  TensorView* outs[] = {&yv};
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), scratch_floats * 4, nullptr, nullptr};
  fn(args);  // packs W once, as a session's first run does
  for (auto _ : state) {
    fn(args);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * double(m) * double(k) * double(positions) *
                                                    double(state.iterations()),
                                                benchmark::Counter::kIsRate);
}

// {C, M, H = W, kernel, stride}: resnet18 layer1..4 3x3, its stem, a large 1x1, and
// mobilenet_v2's 1x1 convs 16->96@112 (features.2 expand), 96->24@56 (its projection),
// 320->1280@7 (the last conv).
const std::vector<std::vector<int64_t>> kShapes = {
    {64, 64, 56, 3, 1}, {128, 128, 28, 3, 1}, {256, 256, 14, 3, 1}, {512, 512, 7, 3, 1}, {3, 64, 224, 7, 2},
    {256, 256, 56, 1, 1}, {16, 96, 112, 1, 1}, {96, 24, 56, 1, 1},  {320, 1280, 7, 1, 1}};

void shapes(benchmark::internal::Benchmark* b) {
  for (const auto& s : kShapes) b->Args(s);
}

BENCHMARK_CAPTURE(conv_layout, nhwc_f32/avx512, Isa::kAvx512, true)->Apply(shapes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_layout, nchw_f32/avx512, Isa::kAvx512, false)->Apply(shapes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_layout, winograd_f32/avx512, Isa::kAvx512, true, true)->Apply(shapes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_layout, winograd_f32/avx2, Isa::kAvx2, true, true)->Apply(shapes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_layout, nhwc_f32/avx2, Isa::kAvx2, true)->Apply(shapes)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_layout, nchw_f32/avx2, Isa::kAvx2, false)->Apply(shapes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wisp
