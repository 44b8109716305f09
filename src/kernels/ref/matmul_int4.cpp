// Reference MatMulInt4: each weight is dequantized exactly as DequantizeLinear does
// (float(q) * scale) and the products are summed in k order.
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/int4.hpp"
#include "kernels/ref/matmul_int4.hpp"

namespace wisp::ref {
namespace {

void matmul_int4_kernel(const KernelArgs& a) {
  const MatMulInt4Params& p = a.p<MatMulInt4Params>();
  const float* x = a.in[0]->as<const float>();
  const auto* q = a.in[1]->as<const uint8_t>();
  const float* scale = a.in[2]->as<const float>();
  float* y = a.out[0]->as<float>();
  for (int64_t m = 0; m < p.m; ++m)
    for (int64_t n = 0; n < p.n; ++n) {
      float acc = 0;
      for (int64_t k = 0; k < p.k; ++k) {
        const float w = static_cast<float>(int4_at(q, k * p.n + n, p.is_signed)) * scale[(k / p.block) * p.n + n];
        acc += x[m * p.k + k] * w;
      }
      y[m * p.n + n] = acc;
    }
}

}  // namespace

WISP_REGISTER_KERNEL("MatMulInt4", DType::kUndefined, Isa::kRef, matmul_int4_kernel, "com.wisp");

}  // namespace wisp::ref
