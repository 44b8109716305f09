// Depthwise 3x3 Conv (float32) with NEON, vectorised along the output row.
//
// Each (image, channel) plane is independent: y[oh, ow] = bias + sum over kh, kw of
// w[kh, kw] * x[oh*sh - pad_top + kh, ow*sw - pad_left + kw], the padding reading as 0.
// For every output row the kernel rows that fall inside the image are found once; the
// columns are split into a left border, an interior where all three taps of all four
// lanes lie inside the row, and a right border. The interior computes 4 outputs per
// step: with stride 1 from three unaligned loads at iw, iw+1, iw+2; with stride 2 from
// vld2q (de-interleaving loads) whose even lanes are x[iw], x[iw+2], ... and odd lanes
// x[iw+1], x[iw+3], .... The borders compute one output at a time with bounds checks.
// Both paths sum the taps in the same order (kh, then kw) with fused multiply-adds, so
// an output does not depend on which path computed it. Planes are split over the
// session's threads in contiguous ranges: bit-identical for any thread count.
#include "kernels/arm/depthwise_conv3x3_f32_neon.hpp"

#include <arm_neon.h>

#include <cmath>

#include "kernels/arm/gemm_f32_neon.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::arm {
namespace {

struct Plane {
  const float* x;
  int64_t ih, iw;  // input height, width
  float* y;
  int64_t oh, ow;
  int64_t sh, sw, pt, pl;  // strides, top and left padding
  const float* w;          // 9 taps
  float bias;
};

// One output with bounds checks (borders, and rows too short for a vector step).
float conv_point(const Plane& p, const float* rows[3], int64_t ox) {
  float acc = p.bias;
  for (int kh = 0; kh < 3; ++kh) {
    if (!rows[kh]) continue;
    for (int kw = 0; kw < 3; ++kw) {
      const int64_t ix = ox * p.sw - p.pl + kw;
      if (ix >= 0 && ix < p.iw) acc = std::fma(p.w[kh * 3 + kw], rows[kh][ix], acc);
    }
  }
  return acc;
}

template <int Sw>
void conv_plane(const Plane& p) {
  // Interior columns: ox*Sw - pl >= 0, and the last input a vector step reads is in the
  // row (stride 1 reads x..x+5; stride 2 reads x..x+9 through vld2q at x, x+1, x+2).
  const int64_t first = (p.pl + Sw - 1) / Sw;
  const int64_t reach = Sw == 1 ? 5 : 9;
  for (int64_t oy = 0; oy < p.oh; ++oy) {
    const float* rows[3];
    for (int kh = 0; kh < 3; ++kh) {
      const int64_t iy = oy * p.sh - p.pt + kh;
      rows[kh] = iy >= 0 && iy < p.ih ? p.x + iy * p.iw : nullptr;
    }
    float* yrow = p.y + oy * p.ow;
    int64_t ox = 0;
    for (; ox < std::min(first, p.ow); ++ox) yrow[ox] = conv_point(p, rows, ox);
    for (; ox + 4 <= p.ow && ox * Sw - p.pl + reach < p.iw; ox += 4) {
      const int64_t ix = ox * Sw - p.pl;
      float32x4_t acc = vdupq_n_f32(p.bias);
      for (int kh = 0; kh < 3; ++kh) {
        if (!rows[kh]) continue;
        const float* r = rows[kh] + ix;
        float32x4_t t0, t1, t2;
        if constexpr (Sw == 1) {
          t0 = vld1q_f32(r), t1 = vld1q_f32(r + 1), t2 = vld1q_f32(r + 2);
        } else {
          const float32x4x2_t e = vld2q_f32(r), o = vld2q_f32(r + 2);
          t0 = e.val[0], t1 = e.val[1], t2 = o.val[0];
        }
        acc = vfmaq_n_f32(acc, t0, p.w[kh * 3 + 0]);
        acc = vfmaq_n_f32(acc, t1, p.w[kh * 3 + 1]);
        acc = vfmaq_n_f32(acc, t2, p.w[kh * 3 + 2]);
      }
      vst1q_f32(yrow + ox, acc);
    }
    for (; ox < p.ow; ++ox) yrow[ox] = conv_point(p, rows, ox);
  }
}

}  // namespace

bool depthwise_conv3x3_f32_neon_supports(const ref::ConvParams& p) {
  const ref::WindowGeometry& g = p.geo;
  return p.group == p.in_channels && p.out_channels == p.group && g.spatial == 2 && g.kernel[0] == 1 &&
         g.kernel[1] == 3 && g.kernel[2] == 3 && g.dilation[1] == 1 && g.dilation[2] == 1 &&
         (g.stride[2] == 1 || g.stride[2] == 2);
}

void depthwise_conv3x3_f32_neon(const KernelArgs& args) {
  const ref::ConvParams& p = args.p<ref::ConvParams>();
  const ref::WindowGeometry& g = p.geo;
  const float* x = args.in[0]->as<const float>();
  const float* w = args.in[1]->as<const float>();
  const float* bias = args.has_in(2) ? args.in[2]->as<const float>() : nullptr;
  float* y = args.out[0]->as<float>();
  const int64_t channels = p.in_channels, planes = p.batch * channels;
  parallel_for(args.pool, planes, [&](int64_t q0, int64_t q1) {
    for (int64_t q = q0; q < q1; ++q) {
      const int64_t c = q % channels;
      Plane pl{x + q * g.in[1] * g.in[2], g.in[1], g.in[2], y + q * g.out[1] * g.out[2], g.out[1], g.out[2],
               g.stride[1], g.stride[2], g.pad_begin[1], g.pad_begin[2], w + c * 9, bias ? bias[c] : 0.0f};
      if (g.stride[2] == 1) {
        conv_plane<1>(pl);
      } else {
        conv_plane<2>(pl);
      }
      apply_epilogue_f32_neon(pl.y, g.out[1] * g.out[2], p.epilogue);
    }
  });
}

}  // namespace wisp::arm
