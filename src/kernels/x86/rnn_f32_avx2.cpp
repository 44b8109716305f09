// float32 LSTM / GRU for AVX2 + FMA: rnn_f32_driver.hpp on 8-lane vectors (panels of 16,
// the AVX2 GEMM's Nr). Tails use maskload / maskstore.
// Compiled with -mavx2 -mfma (CMake, *_avx2.cpp).
#include <immintrin.h>

#include "kernels/x86/rnn_f32_driver.hpp"
#include "kernels/x86/vec_math_avx2.hpp"

namespace wisp::x86 {
namespace {

struct V256 {
  using R = __m256;
  static constexpr int kW = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static __m256i mask(int n) {  // lanes [0, n) set
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static R load_n(const float* p, int n) { return n == kW ? load(p) : _mm256_maskload_ps(p, mask(n)); }
  static void store_n(float* p, R v, int n) {
    if (n == kW) store(p, v);
    else _mm256_maskstore_ps(p, mask(n), v);
  }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R min(R a, R b) { return _mm256_min_ps(a, b); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  static R sigmoid(R v) { return vm256::sigmoid(v); }
  static R tanh(R v) { return vm256::tanh(v); }
};

}  // namespace

void rnn_f32_avx2(const KernelArgs& args, const GemmF32Impl& impl, const RnnF32Packed& packed) {
  RnnF32Driver<V256>{args, args.p<ref::RnnParams>(), impl, packed}.run();
}

}  // namespace wisp::x86
