// ISA dispatch for the float32 GEMV (gemv_f32.hpp). Built without ISA flags.
#include "kernels/x86/gemv_f32.hpp"

#include <algorithm>

#include "core/status.hpp"

namespace wisp::x86 {

int gemv_f32_nr(Isa isa) { return isa == Isa::kAvx512 ? 32 : 16; }

void gemv_f32(Isa isa, const GemvF32Args& args, ThreadPool* pool) {
  if (isa == Isa::kAvx512) return gemv_f32_avx512(args, pool);
  WISP_CHECK(isa == Isa::kAvx2, ErrorCode::kInternal, "gemv_f32: no GEMV for this ISA (only avx2 and avx512)");
  gemv_f32_avx2(args, pool);
}

bool nhwc_conv_is_gemv(const ref::ConvParams& p) {
  const ref::WindowGeometry& g = p.geo;
  if (p.group != 1 || p.batch != 1 || g.kernel_size() != 1 || g.out_size() != 1) return false;
  for (int d = 0; d < 3; ++d)
    if (g.pad_begin[d] != 0) return false;
  return true;
}

void nhwc_conv_gemv(Isa isa, const ref::ConvParams& p, const float* x, const float* packed_w, const float* bias,
                    const float* residual, float* y, ThreadPool* pool) {
  GemvF32Args v;
  v.n = p.out_channels;
  v.k = p.in_channels;
  v.x = x;
  v.packed_w = packed_w;
  // conv_nhwc_f32_driver.hpp's K blocks for one tap (kNhwcKc = 256): same sums, same bits.
  constexpr int64_t kNhwcKc = 256;
  const int64_t slices = (p.in_channels + kNhwcKc - 1) / kNhwcKc;
  v.kc = p.in_channels >= kNhwcKc ? (p.in_channels + slices - 1) / slices : std::max<int64_t>(p.in_channels, 1);
  v.y = y;
  v.bias = bias;
  v.residual = residual;
  v.epilogue = p.epilogue;
  gemv_f32(isa, v, pool);
}

}  // namespace wisp::x86
