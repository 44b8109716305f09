// Depthwise int8 conv (uint8 activations, NCHW, pad 1) at the mobilenet_v2 shapes of
// depthwise_conv_bench.cpp (same layer numbers, so the float32 and int8 rows compare
// directly), 3x3 and one 5x5 layer, for the reference and each variant this CPU runs.
// Reports MAC/s (9 or 25 multiply-adds per output).
//   build/bench/wisp_bench_kernels --benchmark_filter=qdepthwise
//   0: stride 1, C=144, 56x56     1: stride 2, C=96, 112x112 -> 56x56
//   2: stride 1, C=576, 14x14     3: stride 1, C=960, 7x7     4: stride 2, C=144, 56x56 -> 28x28
//   5: 5x5 stride 1, C=240, 28x28 (pad 2)
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/ref/depthwise_conv_q8.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

struct QDwLayer {
  int64_t kernel, stride, channels, hw;
};
constexpr QDwLayer kQLayers[] = {{3, 1, 144, 56}, {3, 2, 96, 112}, {3, 1, 576, 14},
                                 {3, 1, 960, 7},  {3, 2, 144, 56}, {5, 1, 240, 28}};

// state.range: 0 = layer (kQLayers), 1 = threads.
void qdepthwise_conv(benchmark::State& state, Isa isa) {
  const QDwLayer& layer = kQLayers[state.range(0)];
  const int threads = static_cast<int>(state.range(1));
  const ref::DepthwiseQ8Fn fn = isa == Isa::kRef ? ref::depthwise_conv_q8_ref : ref::depthwise_conv_q8_variant(isa);
  if ((isa != Isa::kRef && min_isa(best_isa(), isa) != isa) || !fn) {
    state.SkipWithError("the CPU (or build) lacks this ISA");
    return;
  }
  ref::DepthwiseQ8Params p;
  p.channels = layer.channels;
  p.in_h = p.in_w = layer.hw;
  p.kernel_h = p.kernel_w = layer.kernel;
  p.stride_h = p.stride_w = layer.stride;
  p.pad_top = p.pad_left = layer.kernel / 2;
  p.out_h = p.out_w = (layer.hw + 2 * p.pad_top - layer.kernel) / layer.stride + 1;
  p.x_zero_point = 113;
  p.y_zero_point = 7;
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<uint8_t> x(static_cast<size_t>(p.channels * p.in_h * p.in_w)), y(static_cast<size_t>(p.channels * p.out_h * p.out_w));
  std::vector<int8_t> w(static_cast<size_t>(p.channels * p.kernel_h * p.kernel_w));
  for (auto& v : x) v = static_cast<uint8_t>(byte(rng));
  for (auto& v : w) v = static_cast<int8_t>(byte(rng) - 128);
  std::vector<int32_t> bias(static_cast<size_t>(p.channels), 1000);
  std::vector<quant::FixedPointMultiplier> fm(static_cast<size_t>(p.channels), quant::quantize_multiplier(0.0031));
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  ref::DepthwiseQ8Args a;
  a.p = &p;
  a.x = x.data();
  a.w = w.data();
  a.bias = bias.data();
  a.fm = fm.data();
  a.y = y.data();
  a.pool = pool.get();
  for (auto _ : state) {
    fn(a);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double macs = double(p.kernel_h * p.kernel_w) * double(p.channels * p.out_h * p.out_w);
  state.counters["MAC/s"] = benchmark::Counter(macs * double(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(qdepthwise_conv, ref, Isa::kRef)->ArgsProduct({{0, 1, 2, 3, 4, 5}, {1}})->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(qdepthwise_conv, avx2, Isa::kAvx2)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5}, {1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(qdepthwise_conv, avx512, Isa::kAvx512)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5}, {1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(qdepthwise_conv, neon, Isa::kNeon)
    ->ArgsProduct({{0, 1, 2, 3, 4, 5}, {1}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace wisp
