// The ISA-independent half of the SIMD depthwise int8 conv (AVX2, AVX-512, NEON): turns
// every output row into one contiguous vector loop with no bounds checks and no zero-point
// subtraction, leaving each ISA two small row functions.
//
// 1. Zero point folded into the bias. sum w * (x - zp) = sum w * x - zp * sum w, so the
//    accumulator starts at bias - zp * sum(w) and the taps multiply raw x (0..255 or
//    -128..127, exact in int16). The identity also holds in the padding IF the padding
//    holds zp, which step 2 arranges.
// 2. Padded, phase-split band buffer. A band of input rows is copied into a stack buffer
//    whose borders hold zp. With horizontal stride s, every padded row is stored as s
//    "phases": phase b holds padded columns b, b + s, b + 2s... Output column j at tap kw
//    then reads phase (kw * dw) % s at column j + (kw * dw) / s: consecutive outputs read
//    consecutive bytes for ANY stride, so stride 2 costs no shuffles in the inner loop.
//    Rows are kept as they are (output row oh reads padded row oh * sh + kh * dh).
//    Phases are wide enough that a full vector past the last output only reads buffer
//    bytes (those lanes are computed and dropped).
// 3. Per output row: O::accumulate_row sums the taps into int32 (its width, a multiple of
//    O::kLanes), then O::requantize_row applies requant.hpp's fixed-point rounding.
// Shapes this layout does not fit (more than kMaxTaps taps, rows wider than kMaxRow, a
// single output row's band over the buffer) run the reference kernel instead.
//
// T is X's type (the band buffer), TY is Y's.
//
// Include only from the ISA files (everything here has internal linkage, so nothing
// compiled with one file's -m flags can be shared with another).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/ref/depthwise_conv_q8.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::kernels_q8 {
namespace {

inline constexpr int kMaxTaps = 64;             // 7x7 fits; bigger filters take the reference
inline constexpr int64_t kBandBytes = 32768;    // the band buffer, on each thread's stack
inline constexpr int64_t kMaxRow = 2048;        // output columns per row (int32 row buffer)

// The taps of one output channel, as offsets from the output row's first buffer byte.
// n is padded to an even count with zero-weight taps (the AVX paths consume pairs).
struct DwTaps {
  int n = 0;     // taps, padded to even
  int real = 0;  // taps before the padding (the NEON path needs no pairs)
  int64_t off[kMaxTaps];
  int16_t w[kMaxTaps];
  int32_t wpair[kMaxTaps / 2];  // (w[2i] & 0xffff) | (w[2i + 1] << 16), for vpmaddwd
  int32_t init = 0;             // bias - x_zero_point * sum(w), wrapping like the int32 sums
};

struct DwGeometry {
  int64_t s = 1;         // phases = horizontal stride
  int64_t wp = 0;        // padded row width that the outputs read
  int64_t wq = 0;        // bytes per phase
  int64_t row_bytes = 0; // s * wq: one padded row
  int64_t band_out_rows = 0;
  int64_t vec_out = 0;   // out_w rounded up to the vector width
};

template <int kLanes>
bool dw_geometry(const ref::DepthwiseQ8Params& p, DwGeometry* g) {
  if (p.kernel_h * p.kernel_w + 1 > kMaxTaps || p.out_w > kMaxRow) return false;
  g->s = p.stride_w;
  g->vec_out = (p.out_w + kLanes - 1) / kLanes * kLanes;
  g->wp = (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1;
  const int64_t reach = g->vec_out + (p.kernel_w - 1) * p.dilation_w / g->s;  // columns a phase is read at
  g->wq = std::max((g->wp + g->s - 1) / g->s, reach);
  g->row_bytes = g->s * g->wq;
  const int64_t rows_per_out = (p.kernel_h - 1) * p.dilation_h + 1;
  if (rows_per_out * g->row_bytes > kBandBytes) return false;
  // R output rows need (R - 1) * sh + rows_per_out padded rows.
  g->band_out_rows = std::min<int64_t>(p.out_h, (kBandBytes / g->row_bytes - rows_per_out) / p.stride_h + 1);
  return true;
}

// Copies input row `src` (in_w values) into padded row `dst` (its s phases), leaving the
// columns outside the input (zp) untouched. Stride 1 and 2 are the common cases.
template <class T>
void scatter_row(const T* src, const ref::DepthwiseQ8Params& p, const DwGeometry& g, T* dst) {
  const int64_t c0 = std::max<int64_t>(0, -p.pad_left);                   // first input column used
  const int64_t c1 = std::min<int64_t>(p.in_w, g.wp - p.pad_left);       // one past the last
  if (c1 <= c0) return;
  if (g.s == 1) {
    std::memcpy(dst + p.pad_left + c0, src + c0, sizeof(T) * (c1 - c0));
    return;
  }
  for (int64_t c = c0; c < c1; ++c) {
    const int64_t pc = c + p.pad_left;
    dst[(pc % g.s) * g.wq + pc / g.s] = src[c];
  }
}

template <class O, class T, class TY>
void depthwise_conv_q8_simd(const ref::DepthwiseQ8Args& a) {
  const ref::DepthwiseQ8Params& p = *a.p;
  DwGeometry g;
  if (!dw_geometry<O::kLanes>(p, &g)) return ref::depthwise_conv_q8_ref(a);
  const T* x = static_cast<const T*>(a.x);
  TY* y = static_cast<TY*>(a.y);
  const int64_t out_channels = p.channels * p.multiplier, ntaps = p.kernel_h * p.kernel_w;
  const int zp_byte = static_cast<int>(static_cast<T>(p.x_zero_point));
  parallel_for(a.pool, p.batch * out_channels, [&](int64_t begin, int64_t end) {
    alignas(64) T band[kBandBytes / sizeof(T)];
    alignas(64) int32_t acc[kMaxRow];
    std::memset(band, zp_byte, sizeof(band));  // padding columns are never overwritten
    DwTaps t;
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / out_channels, m = plane % out_channels;
      const T* xc = x + (n * p.channels + m / p.multiplier) * p.in_h * p.in_w;
      TY* ym = y + plane * p.out_h * p.out_w;
      // The taps of this channel. Unsigned wrap: the reference's int32 sums wrap the same
      // way (and cannot, under the |acc| < 2^31 precondition).
      uint32_t init = a.bias ? static_cast<uint32_t>(a.bias[m]) : 0u;
      t.n = 0;
      for (int64_t kh = 0; kh < p.kernel_h; ++kh)
        for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
          const int16_t wv = a.w[m * ntaps + kh * p.kernel_w + kw];
          const int64_t col = kw * p.dilation_w;
          t.off[t.n] = kh * p.dilation_h * g.row_bytes + (col % g.s) * g.wq + col / g.s;
          t.w[t.n] = wv;
          init -= static_cast<uint32_t>(p.x_zero_point) * static_cast<uint32_t>(static_cast<int32_t>(wv));
          ++t.n;
        }
      t.real = t.n;
      if (t.n % 2) {
        t.off[t.n] = t.off[0];
        t.w[t.n] = 0;
        ++t.n;
      }
      for (int i = 0; i < t.n / 2; ++i)
        t.wpair[i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(t.w[2 * i])) |
                                          (static_cast<uint32_t>(static_cast<uint16_t>(t.w[2 * i + 1])) << 16));
      t.init = static_cast<int32_t>(init);
      for (int64_t o0 = 0; o0 < p.out_h; o0 += g.band_out_rows) {
        const int64_t o1 = std::min(p.out_h, o0 + g.band_out_rows);
        const int64_t r0 = o0 * p.stride_h;
        const int64_t rows = (o1 - 1 - o0) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t ih = r0 + r - p.pad_top;
          T* dst = band + r * g.row_bytes;
          if (ih < 0 || ih >= p.in_h) std::memset(dst, zp_byte, sizeof(T) * g.row_bytes);
          else scatter_row<T>(xc + ih * p.in_w, p, g, dst);
        }
        for (int64_t oh = o0; oh < o1; ++oh) {
          const T* base = band + (oh - o0) * p.stride_h * g.row_bytes;
          O::template accumulate_row<T>(base, t, g.vec_out, acc);
          O::template requantize_row<TY>(acc, p.out_w, a.fm[m], p, ym + oh * p.out_w);
        }
      }
    }
  });
}

// The scalar requantization tail shared by the ISA row functions.
template <class T>
void requantize_tail(const int32_t* acc, int64_t begin, int64_t end, quant::FixedPointMultiplier fm,
                     const ref::DepthwiseQ8Params& p, T* y) {
  for (int64_t i = begin; i < end; ++i)
    y[i] = static_cast<T>(quant::requantize(acc[i], fm, p.y_zero_point, p.qmin, p.qmax));
}

}  // namespace
}  // namespace wisp::kernels_q8
