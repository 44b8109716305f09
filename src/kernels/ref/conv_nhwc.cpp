// Reference NhwcConv / NhwcDepthwiseConv (conv_nhwc.hpp): the test oracle of the optimized
// NHWC kernels, so a direct sum per output element with no tricks. Each element starts at
// bias (+ residual) and adds the taps in Conv's im2col order (input channel, kh, kw), then
// the fused activation, so it matches the NCHW reference Conv on transposed data to
// rounding. Padding taps are skipped (they would add 0). Groups are generic (the depthwise
// form is group == C), which keeps one loop nest for both ops.
#include "kernels/ref/conv_nhwc.hpp"

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/gemm.hpp"

namespace wisp::ref {
namespace {

template <class T>
void nhwc_conv_typed(const KernelArgs& a) {
  using Acc = acc_t<T>;
  const ConvParams& p = a.p<ConvParams>();
  const WindowGeometry& g = p.geo;  // 2-D: dims 1 (H) and 2 (W) of the 3-D normalised form
  const T* x = a.in[0]->as<const T>();
  const T* w = a.in[1]->as<const T>();
  const T* bias = a.has_in(2) ? a.in[2]->as<const T>() : nullptr;
  const T* res = p.has_residual ? a.in[3]->as<const T>() : nullptr;
  T* y = a.out[0]->as<T>();
  const int64_t c_in = p.in_channels, m_out = p.out_channels;
  const int64_t cg = c_in / p.group, mg = m_out / p.group;
  const int64_t kh_n = g.kernel[1], kw_n = g.kernel[2];
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t oh = 0; oh < g.out[1]; ++oh)
      for (int64_t ow = 0; ow < g.out[2]; ++ow) {
        // Element offset of (n, oh, ow, 0) in Y (and R).
        const int64_t yo = ((n * g.out[1] + oh) * g.out[2] + ow) * m_out;
        for (int64_t m = 0; m < m_out; ++m) {
          const int64_t c0 = m / mg * cg;  // first input channel of m's group
          Acc acc = bias ? static_cast<Acc>(bias[m]) : Acc(0);
          if (res) acc += static_cast<Acc>(res[yo + m]);
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t kh = 0; kh < kh_n; ++kh) {
              const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
              if (ih < 0 || ih >= g.in[1]) continue;
              for (int64_t kw = 0; kw < kw_n; ++kw) {
                const int64_t iw = ow * g.stride[2] - g.pad_begin[2] + kw * g.dilation[2];
                if (iw < 0 || iw >= g.in[2]) continue;
                const T xv = x[((n * g.in[1] + ih) * g.in[2] + iw) * c_in + c0 + ci];
                const T wv = w[((m * cg + ci) * kh_n + kh) * kw_n + kw];
                acc += static_cast<Acc>(wv) * static_cast<Acc>(xv);
              }
            }
          y[yo + m] = static_cast<T>(apply_epilogue(acc, p.epilogue));
        }
      }
}

void nhwc_conv_kernel(const KernelArgs& a) {
  switch (a.in[0]->dtype) {
    case DType::kF32: return nhwc_conv_typed<float>(a);
    case DType::kF64: return nhwc_conv_typed<double>(a);
    case DType::kF16: return nhwc_conv_typed<Float16>(a);
    case DType::kBF16: return nhwc_conv_typed<BFloat16>(a);
    default:
      fail(ErrorCode::kUnsupported, "NhwcConv: element type ", dtype_name(a.in[0]->dtype), " is not supported");
  }
}

}  // namespace

WISP_REGISTER_KERNEL("NhwcConv", DType::kUndefined, Isa::kRef, nhwc_conv_kernel, "com.wisp");
WISP_REGISTER_KERNEL("NhwcDepthwiseConv", DType::kUndefined, Isa::kRef, nhwc_conv_kernel, "com.wisp");

}  // namespace wisp::ref
