// float32 LSTM / GRU for AVX-512F: rnn_f32_driver.hpp on 16-lane vectors (panels of 32,
// the AVX-512 GEMM's Nr). Tails use masked loads and stores.
// Compiled with -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma (CMake, *_avx512.cpp).
#include <immintrin.h>

#include "kernels/x86/rnn_f32_driver.hpp"
#include "kernels/x86/vec_math_avx512.hpp"

namespace wisp::x86 {
namespace {

struct V512 {
  using R = __m512;
  static constexpr int kW = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float v) { return _mm512_set1_ps(v); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static __mmask16 mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static R load_n(const float* p, int n) { return n == kW ? load(p) : _mm512_maskz_loadu_ps(mask(n), p); }
  static void store_n(float* p, R v, int n) {
    if (n == kW) store(p, v);
    else _mm512_mask_storeu_ps(p, mask(n), v);
  }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R min(R a, R b) { return vm512::min(a, b); }
  static R max(R a, R b) { return vm512::max(a, b); }
  static R sigmoid(R v) { return vm512::sigmoid(v); }
  static R tanh(R v) { return vm512::tanh(v); }
};

}  // namespace

void rnn_f32_avx512(const KernelArgs& args, const GemmF32Impl& impl, const RnnF32Packed& packed) {
  RnnF32Driver<V512>{args, args.p<ref::RnnParams>(), impl, packed}.run();
}

}  // namespace wisp::x86
