// This core's float32 FMA peak: 12 independent vector FMA chains (enough to cover latency
// x throughput on current x86 cores), no memory traffic. FLOP/s counts 2 per lane per FMA.
// Functions carry their own target attribute, so the file needs no ISA flags.
//   build/bench/wisp_bench_kernels --benchmark_filter=fma_peak
#include <benchmark/benchmark.h>

#include "cpu/cpu_features.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace wisp {
namespace {

constexpr int64_t kInner = 1024;  // FMA rounds per benchmark iteration

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float fma_chains_avx2(int64_t rounds, float scale) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(0.001f * float(i));
  const __m256 x = _mm256_set1_ps(scale), y = _mm256_set1_ps(1e-7f);
  for (int64_t r = 0; r < rounds; ++r) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  return _mm256_cvtss_f32(s);
}

__attribute__((target("avx512f"))) float fma_chains_avx512(int64_t rounds, float scale) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * float(i));
  const __m512 x = _mm512_set1_ps(scale), y = _mm512_set1_ps(1e-7f);
  for (int64_t r = 0; r < rounds; ++r) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s);  // (_mm512_reduce_add_ps trips a GCC 12 -Wuninitialized)
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

void fma_peak(benchmark::State& state, Isa isa) {
  if (min_isa(best_isa(), isa) != isa) {
    state.SkipWithError("the CPU lacks this ISA");
    return;
  }
  const int lanes = isa == Isa::kAvx512 ? 16 : 8;
  // Runtime operands, so the compiler can neither fold the chains nor hoist the call.
  volatile float scale_source = 0.999999f;
  volatile int64_t rounds_source = kInner;
  for (auto _ : state) {
    const float scale = scale_source;
    const int64_t rounds = rounds_source;
    float r = isa == Isa::kAvx512 ? fma_chains_avx512(rounds, scale) : fma_chains_avx2(rounds, scale);
    benchmark::DoNotOptimize(r);
  }
  state.counters["FLOP/s"] = benchmark::Counter(double(state.iterations()) * double(kInner) * 12.0 * lanes * 2.0,
                                                benchmark::Counter::kIsRate);
}

BENCHMARK_CAPTURE(fma_peak, avx2, Isa::kAvx2);
BENCHMARK_CAPTURE(fma_peak, avx512, Isa::kAvx512);
#endif

}  // namespace
}  // namespace wisp
