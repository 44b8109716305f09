// The x86 fast path of the depthwise int8 conv: horizontal tap pairs pre-interleaved, so
// that the inner loop is load + vpmaddwd + add and nothing else.
//
// The byte path (depthwise_conv_q8_driver.hpp) widens and interleaves two taps' bytes for
// every vpmaddwd: four shuffle-port instructions per pair of taps per 16 outputs, which
// bound it below the float kernel's FMA rate. Here the band buffer holds 32-bit words of
// two int16: for horizontal stride 1, word j = (x[j], x[j + 1]) of the padded row; for
// stride 2, word j = (x[2j], x[2j + 1]), which is the padded row itself widened. Taps
// (kh, 2i) and (kh, 2i + 1) then read ONE word per output -- word ow + 2i (stride 1) or
// ow + i (stride 2) -- and vpmaddwd with the broadcast weight pair (w[kh][2i],
// w[kh][2i + 1]) gives both products summed, exactly (|x| <= 255, |w| <= 128); an odd
// last tap pairs with weight 0. Rows are built once per band (a few shuffles per 8
// outputs instead of per tap), row phases handle the vertical stride, and the output is
// flattened as oh * pitch + ow as in the byte path. Zero point folded into the bias, the
// padding holds the zero point, requantization by the ISA's requantize_row.
//
// Taken for dilation_w 1 and stride_w 1 or 2 (every MobileNet / EfficientNet depthwise
// layer) when a band of at least one output row fits; otherwise the byte path runs.
//
// Include only from the x86 ISA files (internal linkage).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/depthwise_conv_q8_driver.hpp"

namespace wisp::kernels_q8 {
namespace {

inline constexpr int64_t kPairWords = 16384;  // the band buffer: 64 KiB of words
inline constexpr int64_t kStageLen = 4096;    // int16 staging row (stride 1)
inline constexpr int kMaxPairTaps = 32;
// pair_words writes whole groups of 8 words: up to 7 past a row's end, into the next row
// (built later) or, after a plane's last row, into this gap.
inline constexpr int64_t kPlaneGap = 8;

struct PairTaps {
  int n = 0;
  int64_t off[kMaxPairTaps];    // in words, from the flat output index
  int32_t wpair[kMaxPairTaps];  // (w_a & 0xffff) | (w_b << 16)
  int32_t init = 0;
};

// How one input row becomes stride-1 pair words (the same for every row and channel of
// a call): word j = (P[j], P[j + 1]), P[i] = row[i - pad_left] for columns in [c0, c1),
// else the zero point. The per-16-word byte masks (the AVX-512 path's masked loads and
// store) are worked out once here instead of per row: that scalar work was ~15% of the
// depthwise time on 7x7 / 14x14 planes.
struct PairRowPlan {
  int64_t c0 = 0, c1 = 0, pad_left = 0, words = 0;
  uint16_t zp16 = 0;
  int64_t chunks = 0;                     // ceil(words / 16)
  uint16_t k_lo[kStageLen / 16 + 1];      // columns j + t - pad_left inside [c0, c1)
  uint16_t k_hi[kStageLen / 16 + 1];      // columns j + t + 1 - pad_left inside [c0, c1)
  uint16_t k_out[kStageLen / 16 + 1];     // words j + t < words
};

inline void make_pair_row_plan(int64_t c0, int64_t c1, int64_t pad_left, int64_t words, uint16_t zp16,
                               PairRowPlan* plan) {
  plan->c0 = c0;
  plan->c1 = c1;
  plan->pad_left = pad_left;
  plan->words = words;
  plan->zp16 = zp16;
  plan->chunks = (words + 15) / 16;
  const auto bits = [](int64_t lo, int64_t hi) {  // bits [lo, hi) of 16, clamped
    lo = std::clamp<int64_t>(lo, 0, 16);
    hi = std::clamp<int64_t>(hi, lo, 16);
    return static_cast<uint16_t>(((uint32_t{1} << hi) - 1) & ~((uint32_t{1} << lo) - 1));
  };
  for (int64_t i = 0; i < plan->chunks; ++i) {
    const int64_t j = 16 * i, first = c0 + pad_left - j, last = c1 + pad_left - j;
    plan->k_lo[i] = bits(first, last);
    plan->k_hi[i] = bits(first - 1, last - 1);
    plan->k_out[i] = bits(0, words - j);
  }
}

struct PairGeometry {
  int64_t sh = 1, sw = 1, pairs_per_row = 0;
  int64_t pitch = 0;   // words per row: the words the outputs of a row read
  int64_t hq = 0;      // rows per row-phase plane, full band
  int64_t plane = 0;   // words per row-phase plane: hq rows + kPlaneGap
  int64_t band = 0;    // output rows per band
};

inline int64_t pair_word_offset(const PairGeometry& g, int64_t i) { return g.sw == 1 ? 2 * i : i; }

template <int kLanes>
bool pair_geometry(const ref::DepthwiseQ8Params& p, PairGeometry* g) {
  if (p.dilation_w != 1 || (p.stride_w != 1 && p.stride_w != 2)) return false;
  g->sh = p.stride_h;
  g->sw = p.stride_w;
  g->pairs_per_row = (p.kernel_w + 1) / 2;
  if (p.kernel_h * g->pairs_per_row > kMaxPairTaps) return false;
  g->pitch = p.out_w + pair_word_offset(*g, g->pairs_per_row - 1);
  if (g->pitch + 16 > kStageLen) return false;
  const auto fits = [&](int64_t rows) {
    const int64_t plane = ceil_div(band_input_rows(p, rows), g->sh) * g->pitch + kPlaneGap;
    const int64_t flat = (rows - 1) * g->pitch + p.out_w;
    const int64_t max_off = (g->sh - 1) * plane + (p.kernel_h - 1) * p.dilation_h / g->sh * g->pitch +
                            pair_word_offset(*g, g->pairs_per_row - 1);
    return ceil_div(flat, kLanes) * kLanes + max_off <= kPairWords && g->sh * plane <= kPairWords;
  };
  int64_t rows = p.out_h;
  while (rows > 0 && !fits(rows)) rows = rows > 8 ? rows * 3 / 4 : rows - 1;
  if (rows == 0) return false;
  g->band = rows;
  g->hq = ceil_div(band_input_rows(p, rows), g->sh);
  g->plane = g->hq * g->pitch + kPlaneGap;
  return true;
}

// O provides kPairLanes, widen_row<T>, pair_row<T>, accumulate_pairs, requantize_row<TY>.
template <class O, class T, class TY>
bool depthwise_conv_q8_pairs(const ref::DepthwiseQ8Args& a) {
  const ref::DepthwiseQ8Params& p = *a.p;
  PairGeometry g;
  if (!pair_geometry<O::kPairLanes>(p, &g)) return false;
  const T* x = static_cast<const T*>(a.x);
  TY* y = static_cast<TY*>(a.y);
  const int64_t out_channels = p.channels * p.multiplier, ntaps = p.kernel_h * p.kernel_w;
  const int16_t zp16 = static_cast<int16_t>(static_cast<T>(p.x_zero_point));
  const uint32_t zp_word = static_cast<uint16_t>(zp16) * 0x00010001u;
  const int64_t c0 = std::max<int64_t>(0, -p.pad_left);                                // first input column used
  const int64_t c1 = std::min<int64_t>(p.in_w, (g.pitch - 1) * g.sw + 2 - p.pad_left);  // one past the last
  PairRowPlan row_plan;
  if (g.sw == 1) make_pair_row_plan(c0, c1, p.pad_left, g.pitch, static_cast<uint16_t>(zp16), &row_plan);
  PairTaps taps;
  taps.n = 0;
  for (int64_t kh = 0; kh < p.kernel_h; ++kh)
    for (int64_t i = 0; i < g.pairs_per_row; ++i) {
      const int64_t r = kh * p.dilation_h;
      taps.off[taps.n++] = (r % g.sh) * g.plane + r / g.sh * g.pitch + pair_word_offset(g, i);
    }
  parallel_for(a.pool, p.batch * out_channels, [&](int64_t begin, int64_t end) {
    alignas(64) int32_t buf[kPairWords];
    alignas(64) int16_t stage[kStageLen];
    alignas(64) int32_t acc[kMaxRow];
    alignas(64) TY out[kMaxRow];
    for (int64_t i = 0; i < kPairWords; ++i) buf[i] = static_cast<int32_t>(zp_word);  // padding is never overwritten
    for (int64_t i = 0; i < kStageLen; ++i) stage[i] = zp16;
    PairTaps t = taps;
    for (int64_t plane = begin; plane < end; ++plane) {
      const int64_t n = plane / out_channels, m = plane % out_channels;
      const T* xc = x + (n * p.channels + m / p.multiplier) * p.in_h * p.in_w;
      TY* ym = y + plane * p.out_h * p.out_w;
      const int8_t* wm = a.w + m * ntaps;
      // Unsigned wrap, as the byte path (see there).
      uint32_t init = a.bias ? static_cast<uint32_t>(a.bias[m]) : 0u;
      for (int64_t i = 0; i < ntaps; ++i)
        init -= static_cast<uint32_t>(p.x_zero_point) * static_cast<uint32_t>(int32_t{wm[i]});
      t.init = static_cast<int32_t>(init);
      for (int64_t kh = 0, k = 0; kh < p.kernel_h; ++kh)
        for (int64_t i = 0; i < g.pairs_per_row; ++i, ++k) {
          const int64_t kw = 2 * i;
          const uint16_t lo = static_cast<uint16_t>(int16_t{wm[kh * p.kernel_w + kw]});
          const uint16_t hi = kw + 1 < p.kernel_w ? static_cast<uint16_t>(int16_t{wm[kh * p.kernel_w + kw + 1]}) : 0;
          t.wpair[k] = static_cast<int32_t>(lo | (static_cast<uint32_t>(hi) << 16));
        }
      for (int64_t o0 = 0; o0 < p.out_h; o0 += g.band) {
        const int64_t o1 = std::min(p.out_h, o0 + g.band);
        const int64_t r0 = o0 * p.stride_h, rows = band_input_rows(p, o1 - o0);
        for (int64_t r = 0, phase = 0, index = 0; r < rows; ++r) {
          const int64_t ih = r0 + r - p.pad_top;
          int32_t* dst = buf + phase * g.plane + index * g.pitch;
          if (++phase == g.sh) {
            phase = 0;
            ++index;
          }
          if (ih < 0 || ih >= p.in_h) {
            for (int64_t j = 0; j < g.pitch; ++j) dst[j] = static_cast<int32_t>(zp_word);
          } else if (c1 > c0 && g.sw == 2) {  // the padded row itself, widened, is the words
            O::template widen_row<T>(xc + ih * p.in_w + c0, c1 - c0, reinterpret_cast<int16_t*>(dst) + p.pad_left + c0);
          } else if (c1 > c0) {  // stride 1: stage the padded row, then pair neighbours
            O::template pair_row<T>(xc + ih * p.in_w, row_plan, stage, dst);
          }
        }
        const int64_t flat = (o1 - o0 - 1) * g.pitch + p.out_w;
        for (int64_t f0 = 0; f0 < flat; f0 += kMaxRow) {
          const int64_t f1 = std::min(flat, f0 + kMaxRow);
          const int64_t len = ceil_div(f1 - f0, O::kPairLanes) * O::kPairLanes;
          O::accumulate_pairs(buf + f0, t, len, acc);
          O::template requantize_row<TY>(acc, len, a.fm[m], p, out);
          for (int64_t oh = f0 / g.pitch; oh * g.pitch < f1; ++oh) {
            const int64_t b = std::max(f0, oh * g.pitch), e = std::min(f1, oh * g.pitch + p.out_w);
            if (b < e) O::copy_out(out + (b - f0), e - b, ym + (o0 + oh) * p.out_w + (b - oh * g.pitch));
          }
        }
      }
    }
  });
  return true;
}

}  // namespace
}  // namespace wisp::kernels_q8
