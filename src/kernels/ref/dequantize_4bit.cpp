// Reference DequantizeLinear for INT4/UINT4 inputs (see kernels/ref/int4.hpp). Weight-only
// INT4 weights are constants, so in a Session this runs once, folded at prepare, unless
// the optimizer fused it into MatMulInt4 (src/kernels/x86/matmul_int4*).
#include "core/float16.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/int4.hpp"

namespace wisp::ref {
namespace {

template <class Y>
void dequantize(const KernelArgs& a) {
  const Dequantize4BitParams& p = a.p<Dequantize4BitParams>();
  const auto* x = a.in[0]->as<const uint8_t>();
  const Y* scale = a.in[1]->as<const Y>();
  const auto* zp = a.has_in(2) ? a.in[2]->as<const uint8_t>() : nullptr;
  Y* y = a.out[0]->as<Y>();
  int64_t e = 0;
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t d = 0; d < p.axis_dim; ++d)
      for (int64_t i = 0; i < p.inner; ++i, ++e) {
        const int64_t s = dequantize4_scale_index(p, o, d, i);
        const int centred = int4_at(x, e, p.is_signed) - (zp ? int4_at(zp, s, p.is_signed) : 0);
        y[e] = static_cast<Y>(static_cast<float>(centred) * static_cast<float>(scale[s]));
      }
}

void dequantize_4bit_kernel(const KernelArgs& a) {
  if (a.out[0]->dtype == DType::kF16) dequantize<Float16>(a);
  else dequantize<float>(a);
}

}  // namespace

WISP_REGISTER_KERNEL("DequantizeLinear", DType::kI4, Isa::kRef, dequantize_4bit_kernel);
WISP_REGISTER_KERNEL("DequantizeLinear", DType::kU4, Isa::kRef, dequantize_4bit_kernel);

}  // namespace wisp::ref
