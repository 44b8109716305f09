// The ISA-independent half of the SIMD depthwise int8 conv (AVX2, AVX-512, NEON): turns
// a whole band of output rows into ONE contiguous vector loop with no bounds checks, no
// zero-point subtraction and no shuffles, leaving each ISA two small functions.
//
// 1. Zero point folded into the bias. sum w * (x - zp) = sum w * x - zp * sum w, so the
//    accumulator starts at bias - zp * sum(w) and the taps multiply raw x (0..255 or
//    -128..127, exact in int16). The identity also holds in the padding IF the padding
//    holds zp, which step 2 arranges.
// 2. Polyphase band buffer. A band of input rows is copied, zero-point padded, into a
//    stack buffer as sh x sw phase planes: plane (a, b) holds the padded rows a, a + sh,
//    ... and in them the columns b, b + sw, ... (wq bytes per row, hq rows per plane).
//    Output (oh, ow) at tap (kh, kw) then reads plane ((kh dh) % sh, (kw dw) % sw) at row
//    oh + (kh dh) / sh, column ow + (kw dw) / sw. So with the output flattened as
//    f = oh * wq + ow, EVERY tap reads buffer[f + off(tap)]: consecutive outputs read
//    consecutive bytes for any stride and dilation, and a 7x7 or 14x14 plane is one run of
//    full vectors rather than short rows (the float kernel's polyphase/flat paths, here
//    for every shape). The wq - out_w columns between rows, and the lanes past the last
//    output, are computed and dropped.
// 3. O::accumulate_row sums the taps of a run of flat outputs into int32 (kMaxRow at a
//    time, in multiples of O::kLanes), then O::requantize_row applies requant.hpp's
//    fixed-point rounding to the real outputs of each row.
// Planes whose padded copy exceeds the buffer go in bands of output rows; shapes where
// even one output row does not fit, or filters over kMaxTaps taps, run the reference.
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

inline constexpr int kMaxTaps = 64;           // 7x7 fits; bigger filters take the reference
inline constexpr int64_t kBandBytes = 49152;  // the band buffer, on each thread's stack
inline constexpr int64_t kMaxRow = 4096;      // flat outputs per accumulate_row call

// The taps of one output channel, as offsets from the flat output index.
struct DwTaps {
  int n = 0;     // taps, padded to even
  int real = 0;  // taps before the padding (the NEON path needs no pairs)
  int64_t off[kMaxTaps];  // the same for every channel: filled once per call
  int16_t w[kMaxTaps];
  int32_t wpair[kMaxTaps / 2];  // (w[2i] & 0xffff) | (w[2i + 1] << 16), for vpmaddwd
  int32_t init = 0;             // bias - x_zero_point * sum(w), wrapping like the int32 sums
};

struct DwGeometry {
  int64_t sh = 1, sw = 1;
  int64_t wp = 0;         // padded columns the outputs read
  int64_t wq = 0;         // bytes per row of a phase plane (the flat row pitch)
  int64_t hq = 0;         // rows per phase plane for a full band
  int64_t band = 0;       // output rows per band
  int64_t plane_bytes = 0;
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Input rows a band of `rows` output rows reads.
inline int64_t band_input_rows(const ref::DepthwiseQ8Params& p, int64_t rows) {
  return (rows - 1) * p.stride_h + (p.kernel_h - 1) * p.dilation_h + 1;
}

template <int kLanes>
bool dw_geometry(const ref::DepthwiseQ8Params& p, DwGeometry* g) {
  if (p.kernel_h * p.kernel_w + 1 > kMaxTaps) return false;
  g->sh = p.stride_h;
  g->sw = p.stride_w;
  g->wp = (p.out_w - 1) * p.stride_w + (p.kernel_w - 1) * p.dilation_w + 1;
  g->wq = std::max(ceil_div(g->wp, g->sw), p.out_w + (p.kernel_w - 1) * p.dilation_w / g->sw);
  // The largest band whose planes, plus the vector overrun of the last run, fit.
  const auto fits = [&](int64_t rows, int64_t* plane_bytes) {
    const int64_t hq = ceil_div(band_input_rows(p, rows), g->sh);
    *plane_bytes = hq * g->wq;
    const int64_t flat = (rows - 1) * g->wq + p.out_w;
    // Largest tap offset: the last plane, its deepest row and column.
    const int64_t max_off = (g->sh * g->sw - 1) * *plane_bytes + (p.kernel_h - 1) * p.dilation_h / g->sh * g->wq +
                            (p.kernel_w - 1) * p.dilation_w / g->sw;
    return ceil_div(flat, kLanes) * kLanes + max_off <= kBandBytes;
  };
  int64_t rows = p.out_h;
  int64_t bytes = 0;
  while (rows > 0 && !fits(rows, &bytes)) rows = rows > 8 ? rows * 3 / 4 : rows - 1;
  if (rows == 0) return false;
  g->band = rows;
  g->hq = ceil_div(band_input_rows(p, rows), g->sh);
  g->plane_bytes = g->hq * g->wq;
  return true;
}

// Copies input row `src` (in_w values) into its phase-plane rows at `dst` (the row in
// column-phase plane 0; plane b is b * plane_bytes further), leaving the columns outside
// the input (zp) untouched.
template <class O, class T>
void scatter_row(const T* src, const ref::DepthwiseQ8Params& p, const DwGeometry& g, T* dst) {
  const int64_t c0 = std::max<int64_t>(0, -p.pad_left);              // first input column used
  const int64_t c1 = std::min<int64_t>(p.in_w, g.wp - p.pad_left);  // one past the last
  if (c1 <= c0) return;
  if (g.sw == 1) {
    std::memcpy(dst + p.pad_left + c0, src + c0, sizeof(T) * (c1 - c0));
    return;
  }
  if (g.sw == 2) {  // src[c0], src[c0 + 2]... to one phase, src[c0 + 1]... to the other
    const int64_t pc = c0 + p.pad_left;
    T* first = dst + (pc & 1) * g.plane_bytes + (pc >> 1);
    T* second = dst + ((pc + 1) & 1) * g.plane_bytes + ((pc + 1) >> 1);
    O::deinterleave2(src + c0, c1 - c0, first, second);
    return;
  }
  for (int64_t b = 0; b < g.sw; ++b) {  // phase b: padded columns b, b + sw, ...
    int64_t c = c0 + ((b - (c0 + p.pad_left)) % g.sw + g.sw) % g.sw;  // first input column in it
    T* d = dst + b * g.plane_bytes + (c + p.pad_left) / g.sw;
    for (; c < c1; c += g.sw) *d++ = src[c];
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
  DwTaps taps;  // offsets here; weights per channel below
  taps.n = 0;
  for (int64_t kh = 0; kh < p.kernel_h; ++kh)
    for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
      const int64_t r = kh * p.dilation_h, c = kw * p.dilation_w;
      taps.off[taps.n++] = ((r % g.sh) * g.sw + c % g.sw) * g.plane_bytes + r / g.sh * g.wq + c / g.sw;
    }
  taps.real = taps.n;
  if (taps.n % 2) taps.off[taps.n++] = taps.off[0];  // a zero-weight partner for the last tap
  parallel_for(a.pool, p.batch * out_channels, [&](int64_t begin, int64_t end) {
    alignas(64) T buf[kBandBytes / sizeof(T)];
    alignas(64) int32_t acc[kMaxRow];
    alignas(64) TY out[kMaxRow];
    std::memset(buf, zp_byte, sizeof(buf));  // padding columns are never overwritten
    DwTaps t = taps;
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / out_channels, m = plane % out_channels;
      const T* xc = x + (n * p.channels + m / p.multiplier) * p.in_h * p.in_w;
      TY* ym = y + plane * p.out_h * p.out_w;
      // The taps of this channel. Unsigned wrap: the reference's int32 sums wrap the same
      // way (and cannot, under the |acc| < 2^31 precondition).
      uint32_t init = a.bias ? static_cast<uint32_t>(a.bias[m]) : 0u;
      for (int i = 0; i < t.real; ++i) {
        t.w[i] = a.w[m * ntaps + i];
        init -= static_cast<uint32_t>(p.x_zero_point) * static_cast<uint32_t>(int32_t{t.w[i]});
      }
      if (t.n > t.real) t.w[t.real] = 0;
      for (int i = 0; i < t.n / 2; ++i)
        t.wpair[i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(t.w[2 * i])) |
                                          (static_cast<uint32_t>(static_cast<uint16_t>(t.w[2 * i + 1])) << 16));
      t.init = static_cast<int32_t>(init);
      for (int64_t o0 = 0; o0 < p.out_h; o0 += g.band) {
        const int64_t o1 = std::min(p.out_h, o0 + g.band);
        const int64_t r0 = o0 * p.stride_h, rows = band_input_rows(p, o1 - o0);
        // Padded row r0 + r goes to row phase r % sh, index r / sh (counted, not divided).
        for (int64_t r = 0, phase = 0, index = 0; r < rows; ++r) {
          const int64_t ih = r0 + r - p.pad_top;
          T* dst = buf + phase * g.sw * g.plane_bytes + index * g.wq;
          if (++phase == g.sh) {
            phase = 0;
            ++index;
          }
          if (ih >= 0 && ih < p.in_h) {
            scatter_row<O, T>(xc + ih * p.in_w, p, g, dst);
          } else {
            for (int64_t b = 0; b < g.sw; ++b) std::memset(dst + b * g.plane_bytes, zp_byte, sizeof(T) * g.wq);
          }
        }
        const int64_t flat = (o1 - o0 - 1) * g.wq + p.out_w;
        for (int64_t f0 = 0; f0 < flat; f0 += kMaxRow) {
          const int64_t f1 = std::min(flat, f0 + kMaxRow);
          const int64_t len = ceil_div(f1 - f0, O::kLanes) * O::kLanes;
          O::template accumulate_row<T>(buf + f0, t, len, acc);
          // Requantized as one vector run (rows of 7 or 14 would be mostly scalar tails),
          // then the real outputs of each row in [f0, f1) are copied out.
          O::template requantize_row<TY>(acc, len, a.fm[m], p, out);
          for (int64_t oh = f0 / g.wq; oh * g.wq < f1; ++oh) {
            const int64_t b = std::max(f0, oh * g.wq), e = std::min(f1, oh * g.wq + p.out_w);
            if (b < e) std::memcpy(ym + (o0 + oh) * p.out_w + (b - oh * g.wq), out + (b - f0), sizeof(TY) * (e - b));
          }
        }
      }
    }
  });
}

// Elements [i, n) of src: the even ones to a, the odd ones to b (the ISAs' tail).
template <class T>
void deinterleave2_tail(const T* src, int64_t i, int64_t n, T* a, T* b) {
  for (; i + 1 < n; i += 2) {
    a[i / 2] = src[i];
    b[i / 2] = src[i + 1];
  }
  if (i < n) a[i / 2] = src[i];
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
