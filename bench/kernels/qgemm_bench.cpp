// Fixed-point int8 Conv (QLinearConv wisp_fixed_point=1, group 1: the x86 int8 GEMM of
// kernels/x86/qgemm_x86.hpp) on the same shapes as conv_bench.cpp's float32 Conv, so the
// two read side by side: OP/s counts 2 * M * K * P per image for both.
//   build/bench/wisp_bench_kernels --benchmark_filter='conv_(f32|q8)'
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/qgemm.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

// state.range: 0 = in channels, 1 = out channels, 2 = input height = width, 3 = kernel
// (padding kernel / 2), 4 = stride, 5 = threads.
void conv_q8(benchmark::State& state, Isa isa) {
  const int64_t c = state.range(0), m = state.range(1), hw = state.range(2), ks = state.range(3);
  const int64_t stride = state.range(4);
  const int threads = static_cast<int>(state.range(5));
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  KernelFn fn = find_kernel("", "QLinearConv", DType::kU8, isa);
  ref::WindowAttrs attrs;
  attrs.kernel = {ks, ks};
  attrs.pads = {ks / 2, ks / 2, ks / 2, ks / 2};
  attrs.strides = {stride, stride};
  ref::QConvParams p;
  p.fixed_point = true;
  p.conv.geo = ref::window_geometry({hw, hw}, attrs);
  p.conv.in_channels = c;
  p.conv.out_channels = m;
  const int64_t k = ref::ws_per_out(p.conv), positions = p.conv.geo.out_size();
  std::mt19937 rng(1);
  ref::QGemm& q = p.q;
  q.channels = m;
  q.k = k;
  q.x_zero_point = 3;
  q.y_zero_point = 0;
  q.qmin = 0;
  q.qmax = 255;
  for (int64_t i = 0; i < m * k; ++i) q.weights.push_back(static_cast<int8_t>(rng() % 255 - 127));
  for (int64_t i = 0; i < m; ++i) {
    int32_t s = 0;
    for (int64_t j = 0; j < k; ++j) s += q.weights[i * k + j];
    q.weight_sums.push_back(s);
    q.bias.push_back(static_cast<int32_t>(rng() % 2000) - 1000);
    q.multiplier.push_back(quant::quantize_multiplier(1.0 / (64.0 * static_cast<double>(k))));
  }
  std::vector<uint8_t> scratch(static_cast<size_t>(ref::conv_col_elems(p.conv) + ref::qconv_channels_last_bytes(p.conv) +
                                                   ref::kQGemmSlots * ref::qgemm_slot_bytes(k) + 128));
  Tensor x(DType::kU8, Shape{1, c, hw, hw});
  for (int64_t i = 0; i < x.numel(); ++i) x.as<uint8_t>()[i] = static_cast<uint8_t>(rng());
  Tensor y(DType::kU8, Shape{1, m, p.conv.geo.out[1], p.conv.geo.out[2]});
  TensorView xv = x.view(), yv = y.view();
  const TensorView* ins[] = {&xv};
  TensorView* outs[] = {&yv};
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), static_cast<int64_t>(scratch.size()), nullptr, pool.get()};
  fn(args);  // packs W once, as a session's first run does
  for (auto _ : state) {
    fn(args);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["OP/s"] = benchmark::Counter(2.0 * double(m) * double(k) * double(positions) *
                                                  double(state.iterations()),
                                              benchmark::Counter::kIsRate);
}

// conv_bench.cpp's shapes: resnet18's 3x3 stages, its 7x7 stride-2 stem, large 1x1 convs.
const std::vector<std::vector<int64_t>> kShapes = {{64, 64, 56, 3, 1},   {128, 128, 28, 3, 1}, {256, 256, 14, 3, 1},
                                                   {512, 512, 7, 3, 1},  {3, 64, 224, 7, 2},   {256, 256, 56, 1, 1},
                                                   {512, 512, 28, 1, 1}};

void shapes_1t(benchmark::internal::Benchmark* b) {
  for (const auto& s : kShapes) b->Args({s[0], s[1], s[2], s[3], s[4], 1});
}

BENCHMARK_CAPTURE(conv_q8, avx2, Isa::kAvx2)->Apply(shapes_1t)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_q8, avx512, Isa::kAvx512)->Apply(shapes_1t)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace wisp
