// The x86 float32 kernels around the GEMM against the reference kernels, 1 thread:
// Sigmoid and Add over 256K elements (GB/s of output), Softmax over 512 rows of 128, and
// the zoo's LSTM layer (seq 100, batch 1, input 64, hidden 256; also hidden 128, batch 4).
//   build/bench/wisp_bench_kernels --benchmark_filter='eltwise|lstm'
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/activation.hpp"
#include "kernels/ref/binary.hpp"
#include "kernels/ref/rnn.hpp"
#include "kernels/ref/softmax.hpp"

namespace wisp {
namespace {

Tensor random_tensor(const Shape& shape, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  Tensor t(DType::kF32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = u(rng);
  return t;
}

bool usable(benchmark::State& state, Isa isa) {
  if (min_isa(best_isa(), isa) == isa) return true;
  state.SkipWithError("the CPU lacks this ISA");
  return false;
}

// Runs `op` with `params` on `ins` into `outs` (and `scratch_bytes` of scratch).
void run_kernel(benchmark::State& state, Isa isa, const char* op, const void* params, std::vector<Tensor*> ins,
                std::vector<Tensor*> outs, int64_t scratch_bytes = 0) {
  KernelFn fn = find_kernel("", op, DType::kF32, isa);
  std::vector<TensorView> iv, ov;
  for (Tensor* t : ins) iv.push_back(t->view());
  for (Tensor* t : outs) ov.push_back(t->view());
  std::vector<const TensorView*> ip;
  std::vector<TensorView*> op_ptrs;
  for (TensorView& v : iv) ip.push_back(&v);
  for (TensorView& v : ov) op_ptrs.push_back(&v);
  std::vector<float> scratch(static_cast<size_t>(scratch_bytes / 4 + 16));
  KernelArgs args{nullptr, params, ip, op_ptrs, scratch.data(), scratch_bytes, nullptr, nullptr};
  fn(args);  // packs constant weights once, as a session's first run does
  for (auto _ : state) {
    fn(args);
    benchmark::ClobberMemory();
  }
  int64_t bytes = 0;
  for (Tensor* t : outs) bytes += t->view().bytes();
  state.counters["out GB/s"] = benchmark::Counter(double(bytes) * double(state.iterations()) / 1e9,
                                                  benchmark::Counter::kIsRate);
}

void eltwise_sigmoid(benchmark::State& state, Isa isa) {
  if (!usable(state, isa)) return;
  Tensor x = random_tensor(Shape{1 << 18}, 1, 6), y(DType::kF32, Shape{1 << 18});
  ref::ActivationParams p{ref::ActFn::kSigmoid, 0, 0, 0};
  run_kernel(state, isa, "Sigmoid", &p, {&x}, {&y});
}

void eltwise_add(benchmark::State& state, Isa isa) {
  if (!usable(state, isa)) return;
  Tensor a = random_tensor(Shape{1 << 18}, 1), b = random_tensor(Shape{1 << 18}, 2), y(DType::kF32, Shape{1 << 18});
  ref::BinaryParams p;
  run_kernel(state, isa, "Add", &p, {&a, &b}, {&y});
}

void eltwise_softmax(benchmark::State& state, Isa isa) {
  if (!usable(state, isa)) return;
  Tensor x = random_tensor(Shape{512, 128}, 1, 5), y(DType::kF32, Shape{512, 128});
  ref::SoftmaxParams p;
  p.outer = 512, p.axis_dim = 128;
  run_kernel(state, isa, "Softmax", &p, {&x}, {&y});
}

// state.range(0): hidden (256 is the zoo's; 128 has R^T in L2 with room to spare);
// range(1): batch (rows of a step share each pass over R^T, two at a time).
void lstm_zoo_layer(benchmark::State& state, Isa isa) {
  if (!usable(state, isa)) return;
  const int64_t h = state.range(0), batch = state.range(1);
  ref::RnnParams p;
  p.kind = ref::RnnKind::kLstm;
  p.seq = 100, p.batch = batch, p.input = 64, p.hidden = h, p.gates = 4, p.acts_per_dir = 3;
  p.acts[0].kind = ref::RnnActivationKind::kSigmoid;
  p.w_constant = p.r_constant = true;
  const float s = 0.0625f;
  Tensor x = random_tensor(Shape{100, batch, 64}, 1), w = random_tensor(Shape{1, 4 * h, 64}, 2, s);
  Tensor r = random_tensor(Shape{1, 4 * h, h}, 3, s), b = random_tensor(Shape{1, 8 * h}, 4, s);
  Tensor y(DType::kF32, Shape{100, 1, batch, h});
  run_kernel(state, isa, "LSTM", &p, {&x, &w, &r, &b}, {&y}, ref::rnn_scratch_bytes(p, true));
}

#define WISP_ELTWISE_BENCH(fn)                                                  \
  BENCHMARK_CAPTURE(fn, ref, Isa::kRef)->Unit(benchmark::kMicrosecond);       \
  BENCHMARK_CAPTURE(fn, avx2, Isa::kAvx2)->Unit(benchmark::kMicrosecond);     \
  BENCHMARK_CAPTURE(fn, avx512, Isa::kAvx512)->Unit(benchmark::kMicrosecond)
WISP_ELTWISE_BENCH(eltwise_sigmoid);
WISP_ELTWISE_BENCH(eltwise_add);
WISP_ELTWISE_BENCH(eltwise_softmax);
BENCHMARK_CAPTURE(lstm_zoo_layer, ref, Isa::kRef)->Args({256, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(lstm_zoo_layer, avx2, Isa::kAvx2)
    ->ArgsProduct({{128, 256}, {1, 4}})
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(lstm_zoo_layer, avx512, Isa::kAvx512)
    ->ArgsProduct({{128, 256}, {1, 4}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wisp
