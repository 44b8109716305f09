// The SIMD loops of the integer graph's elementwise ops, one definition per ISA file
// (qadd_q8_avx2.cpp, qadd_q8_avx512.cpp, quantize_q8_avx512.cpp). The kernel entry points
// (shape checks, threading, registration) live in q8_elementwise_ops.cpp, built without
// ISA flags, so no inline helper of the core is emitted from an ISA object
// (tests/tools/check_isa_objects.sh).
#pragma once
#include <cstdint>

#include "kernels/ref/qadd.hpp"

namespace wisp::x86 {

// y[i] = qadd_value(a[i], b[i], p) for i < n, bytes flipped by `flip` (0x80: int8) on the
// way in and out, exactly as kernels/ref/qadd.hpp.
void qadd_q8_avx2(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, const ref::QAddParams& p, uint8_t flip);
void qadd_q8_avx512(const uint8_t* a, const uint8_t* b, uint8_t* y, int64_t n, const ref::QAddParams& p, uint8_t flip);

// Per-tensor QuantizeLinear f32 -> uint8 (s8 false) / int8, and DequantizeLinear back, as the
// reference kernels (kernels/ref/quantize_linear.cpp) compute them.
void quantize_f32_q8_avx512(const float* x, uint8_t* y, int64_t n, float scale, int32_t zero_point, bool s8);
void dequantize_q8_f32_avx512(const uint8_t* x, float* y, int64_t n, float scale, int32_t zero_point, bool s8);

}  // namespace wisp::x86
