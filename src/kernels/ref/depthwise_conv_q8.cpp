// Reference depthwise int8 convolution (see depthwise_conv_q8.hpp for the maths) and the
// table through which the SIMD variants are found. Deliberately plain: one output at a
// time, bounds checked per tap, the zero point subtracted per tap.
#include "kernels/ref/depthwise_conv_q8.hpp"

#include "kernels/ref/conv.hpp"
#include "kernels/ref/qgemm.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::ref {
namespace {

template <class TX, class TY>
void depthwise_q8_typed(const DepthwiseQ8Args& a) {
  const DepthwiseQ8Params& p = *a.p;
  const TX* x = static_cast<const TX*>(a.x);
  TY* y = static_cast<TY*>(a.y);
  const int64_t out_channels = p.channels * p.multiplier, taps = p.kernel_h * p.kernel_w;
  parallel_for(a.pool, p.batch * out_channels, [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / out_channels, m = plane % out_channels;
      const TX* xc = x + (n * p.channels + m / p.multiplier) * p.in_h * p.in_w;
      const int8_t* wm = a.w + m * taps;
      TY* ym = y + plane * p.out_h * p.out_w;
      for (int64_t oh = 0; oh < p.out_h; ++oh)
        for (int64_t ow = 0; ow < p.out_w; ++ow) {
          int32_t acc = a.bias ? a.bias[m] : 0;
          for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
            if (ih < 0 || ih >= p.in_h) continue;
            for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
              const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
              if (iw < 0 || iw >= p.in_w) continue;
              acc += int32_t{wm[kh * p.kernel_w + kw]} * (int32_t{xc[ih * p.in_w + iw]} - p.x_zero_point);
            }
          }
          ym[oh * p.out_w + ow] = static_cast<TY>(quant::requantize(acc, a.fm[m], p.y_zero_point, p.qmin, p.qmax));
        }
    }
  });
}

struct DepthwiseQ8Ref {
  template <class TX, class TY> static void run(const DepthwiseQ8Args& a) { depthwise_q8_typed<TX, TY>(a); }
};

// Indexed by Isa; filled by the variants' static registrars. Constant-initialised (all
// null) before any dynamic initialiser runs, so registration order does not matter.
DepthwiseQ8Fn g_variants[5] = {};

}  // namespace

void depthwise_conv_q8_ref(const DepthwiseQ8Args& a) {
  depthwise_conv_q8_dispatch<DepthwiseQ8Ref>(a);
}

void register_depthwise_conv_q8(Isa isa, DepthwiseQ8Fn fn) { g_variants[static_cast<int>(isa)] = fn; }

DepthwiseQ8Fn depthwise_conv_q8_variant(Isa isa) { return g_variants[static_cast<int>(isa)]; }

DepthwiseQ8Fn depthwise_conv_q8_for(Isa max_isa) {
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2, Isa::kNeon}) {
    const bool allowed = isa == max_isa || (isa == Isa::kAvx2 && max_isa == Isa::kAvx512);
    if (allowed && g_variants[static_cast<int>(isa)]) return g_variants[static_cast<int>(isa)];
  }
  return depthwise_conv_q8_ref;
}

bool depthwise_q8_params_from_conv(const ConvParams& c, DepthwiseQ8Params* out) {
  const WindowGeometry& g = c.geo;
  if (g.spatial < 1 || g.spatial > 2 || c.group != c.in_channels || c.out_channels % c.in_channels != 0) return false;
  DepthwiseQ8Params& p = *out;
  p.batch = c.batch;
  p.channels = c.in_channels;
  p.multiplier = c.out_channels / c.in_channels;
  p.in_h = g.in[1];
  p.in_w = g.in[2];
  p.out_h = g.out[1];
  p.out_w = g.out[2];
  p.kernel_h = g.kernel[1];
  p.kernel_w = g.kernel[2];
  p.stride_h = g.stride[1];
  p.stride_w = g.stride[2];
  p.dilation_h = g.dilation[1];
  p.dilation_w = g.dilation[2];
  p.pad_top = g.pad_begin[1];
  p.pad_left = g.pad_begin[2];
  return true;
}

bool run_qlinear_conv_depthwise_q8(const KernelArgs& args, Isa max_isa) {
  const QConvParams& qp = args.p<QConvParams>();
  DepthwiseQ8Params p;
  if (!qp.fixed_point || qp.conv.group == 1 || !depthwise_q8_params_from_conv(qp.conv, &p)) return false;
  const QGemm& q = qp.q;
  p.x_signed = q.x_signed;
  p.y_signed = q.y_signed;
  p.x_zero_point = q.x_zero_point;
  p.y_zero_point = q.y_zero_point;
  p.qmin = q.qmin;
  p.qmax = q.qmax;
  DepthwiseQ8Args a;
  a.p = &p;
  a.x = args.in[0]->data;
  a.w = q.weights.data();
  a.bias = q.bias.data();
  a.fm = q.multiplier.data();
  a.y = args.out[0]->data;
  a.pool = args.pool;
  depthwise_conv_q8_for(max_isa)(a);
  return true;
}

}  // namespace wisp::ref
