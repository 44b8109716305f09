// MatMulInt4 on the x86 float GEMM (gemm_f32.hpp), AVX2 and AVX-512. Built without ISA
// flags: it only unpacks the weights and calls the ISA's GEMM.
//
// On every run the int4 weight is dequantized, group by group, straight into the packed
// panel layout the GEMM microkernel reads (panel p: B(k, p*nr + j) at p*K*nr + k*nr + j,
// zero past N) in the planned scratch, then one GEMM of all rows of A runs. The weights
// stay 4-bit in memory (an eighth of float32, plus scales); the unpacking costs K*N
// multiplies per run against the GEMM's M*K*N FMAs. Each dequantized weight is the same
// float(q) * scale product as DequantizeLinear's, so results equal MatMul on the
// dequantized weight computed by the same GEMM.
#include <algorithm>
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/int4.hpp"
#include "kernels/ref/matmul_int4.hpp"
#include "kernels/x86/gemm_f32.hpp"

namespace wisp::x86 {
namespace {

// The two values of each byte as floats (low nibble first), for signed and unsigned int4:
// one table load per two weights instead of shifts, masks and sign extension.
struct NibblePairs {
  float v[2][256][2];
  NibblePairs() {
    for (int b = 0; b < 256; ++b)
      for (int sgn = 0; sgn < 2; ++sgn) {
        const uint8_t byte = static_cast<uint8_t>(b);
        v[sgn][b][0] = static_cast<float>(ref::int4_at(&byte, 0, sgn != 0));
        v[sgn][b][1] = static_cast<float>(ref::int4_at(&byte, 1, sgn != 0));
      }
  }
};

void unpack_to_panels(const ref::MatMulInt4Params& p, const uint8_t* q, const float* scale, int nr, float* out) {
  static const NibblePairs kPairs;
  const auto& pairs = kPairs.v[p.is_signed ? 1 : 0];
  const int64_t panels = (p.n + nr - 1) / nr;
  for (int64_t pn = 0; pn < panels; ++pn) {
    const int64_t n0 = pn * nr, width = std::min<int64_t>(nr, p.n - n0);
    float* panel = out + pn * p.k * nr;
    for (int64_t k = 0; k < p.k; ++k) {
      const float* s = scale + (k / p.block) * p.n + n0;
      const int64_t row = k * p.n + n0;
      float* dst = panel + k * nr;
      int64_t j = 0;
      if ((row & 1) == 0) {  // byte-aligned start: two weights per byte
        const uint8_t* bytes = q + row / 2;
        for (; j + 1 < width; j += 2) {
          const float* v = pairs[bytes[j / 2]];
          dst[j] = v[0] * s[j];
          dst[j + 1] = v[1] * s[j + 1];
        }
      }
      for (; j < width; ++j) dst[j] = static_cast<float>(ref::int4_at(q, row + j, p.is_signed)) * s[j];
      for (j = width; j < nr; ++j) dst[j] = 0.0f;
    }
  }
}

template <Isa kIsa>
void matmul_int4_f32_kernel(const KernelArgs& args) {
  const GemmF32Impl& impl = *gemm_f32_impl(kIsa);
  const ref::MatMulInt4Params& p = args.p<ref::MatMulInt4Params>();
  if (p.m == 0 || p.n == 0) return;
  WISP_ASSERT(impl.nr <= 64 && args.scratch_bytes >= impl.packed_size(p.k, p.n) * 4 + 64);
  // The arena hands out 64-byte-aligned scratch; align anyway (the request has 64 spare).
  auto addr = reinterpret_cast<uintptr_t>(args.scratch);
  float* packed = reinterpret_cast<float*>(addr + (64 - addr % 64) % 64);
  unpack_to_panels(p, args.in[1]->as<const uint8_t>(), args.in[2]->as<const float>(), impl.nr, packed);
  GemmF32Args g;
  g.m = p.m;
  g.n = p.n;
  g.k = p.k;
  g.a = args.in[0]->as<const float>();
  g.a_rs = p.k;
  g.packed_b = packed;
  g.c = args.out[0]->as<float>();
  g.ldc = p.n;
  impl.gemm(g, args.pool);
}

}  // namespace

WISP_REGISTER_KERNEL("MatMulInt4", DType::kF32, Isa::kAvx2, matmul_int4_f32_kernel<Isa::kAvx2>, "com.wisp");
WISP_REGISTER_KERNEL("MatMulInt4", DType::kF32, Isa::kAvx512, matmul_int4_f32_kernel<Isa::kAvx512>, "com.wisp");

}  // namespace wisp::x86
