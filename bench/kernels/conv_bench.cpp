// float32 Conv, group 1 (weights constant, so packed once as in a Session), on the shapes
// of resnet18's 3x3 stages and on large 1x1 convs, for each x86 ISA the CPU runs.
// Reports FLOP/s (2 * M * K * P per image). The 1-thread runs are timed in CPU time so
// that a busy machine's descheduling does not count; the 2-thread runs in real time.
//   build/bench/wisp_bench_kernels --benchmark_filter=Conv
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "bench_util.hpp"
#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

using bench::random_tensor;

// state.range: 0 = in channels, 1 = out channels, 2 = input height = width, 3 = kernel
// (padding kernel / 2), 4 = stride, 5 = threads.
void conv_f32(benchmark::State& state, Isa isa) {
  const int64_t c = state.range(0), m = state.range(1), hw = state.range(2), ks = state.range(3);
  const int64_t stride = state.range(4);
  const int threads = static_cast<int>(state.range(5));
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  KernelFn fn = find_kernel("", "Conv", DType::kF32, isa);
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
  // As ir/ops/conv.cpp sizes it: the reference's im2col, or one tiled slot per thread for
  // the x86 kernel.
  const int64_t scratch_floats = isa == Isa::kRef ? ref::conv_col_elems(p)
                                                  : threads * ref::conv_tiled_slot_floats(k, positions) + 16;
  std::vector<float> scratch(static_cast<size_t>(scratch_floats));
  Tensor x = random_tensor(Shape{1, c, hw, hw}, 1), w = random_tensor(Shape{m, c, ks, ks}, 2);
  Tensor b = random_tensor(Shape{m}, 3);
  Tensor y(DType::kF32, Shape{1, m, p.geo.out[1], p.geo.out[2]});
  TensorView xv = x.view(), wv = w.view(), bv = b.view(), yv = y.view();
  const TensorView* ins[] = {&xv, &wv, &bv};
  TensorView* outs[] = {&yv};
  std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
  KernelArgs args{nullptr, &p, ins, outs, scratch.data(), scratch_floats * 4, nullptr, pool.get()};
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

// resnet18's 3x3 stages (56, 28, 14, 7), its 7x7 stride-2 stem, and large 1x1 convs.
const std::vector<std::vector<int64_t>> kShapes = {{64, 64, 56, 3, 1},   {128, 128, 28, 3, 1}, {256, 256, 14, 3, 1},
                                                   {512, 512, 7, 3, 1},  {3, 64, 224, 7, 2},   {256, 256, 56, 1, 1},
                                                   {512, 512, 28, 1, 1}};

void shapes_1t(benchmark::internal::Benchmark* b) {
  for (const auto& s : kShapes) b->Args({s[0], s[1], s[2], s[3], s[4], 1});
}
void shapes_2t(benchmark::internal::Benchmark* b) {
  for (const auto& s : kShapes) b->Args({s[0], s[1], s[2], s[3], s[4], 2});
}

BENCHMARK_CAPTURE(conv_f32, avx2, Isa::kAvx2)->Apply(shapes_1t)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_f32, avx512, Isa::kAvx512)->Apply(shapes_1t)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_f32, avx512_2t, Isa::kAvx512)->Apply(shapes_2t)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace wisp
