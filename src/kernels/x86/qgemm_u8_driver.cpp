// The driver of the x86 int8 GEMM (qgemm_x86.hpp): tiles, packing, requantization.
//
// Work is cut into units of (batch entry, tile of kQGemmTileP positions, block of
// channels); channels are split only as far as needed to give every thread two units.
// A unit first writes its tile of X as rows of k ("im2col": one row per (c_in, kd, kh, kw),
// kQGemmTileP bytes, padding = x's zero point) into the first half of its thread's slot,
// then interleaves groups of 4 rows into the [K/4][TileP][4] form (SSE2 unpacks, int8 X
// flipped to uint8) in the second half. The microkernel then runs every Mr x Nr tile of
// (channels x positions) over all of K, and the driver adds bias - x_zp * weight_sums and
// requantizes with quant::requantize, the reference rounding. Integers: the result does
// not depend on the tiling or the thread count.
#include <emmintrin.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "cpu/cpu_features.hpp"
#include "kernels/x86/qgemm_x86.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

constexpr int64_t kTileP = ref::kQGemmTileP;

uint8_t* align64(void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<uint8_t*>(addr + (64 - addr % 64) % 64);
}

// Short copies and fills (runs of one output row, tens of bytes) inline: a libc call per
// run cost as much as the copy.
inline void copy_run(uint8_t* dst, const uint8_t* src, int64_t n) {
  if (n < 16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
    return;
  }
  for (int64_t i = 0; i + 16 <= n; i += 16)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16),
                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + n - 16)));
}
inline void fill_run(uint8_t* dst, uint8_t v, int64_t n) {
  if (n < 16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = v;
    return;
  }
  const __m128i vv = _mm_set1_epi8(static_cast<char>(v));
  for (int64_t i = 0; i + 16 <= n; i += 16) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), vv);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + n - 16), vv);
}

// dst[t] = src[2 t] for t in [lo, hi): stride-2 convs (ResNet's stem and downsampling).
// 16 outputs per step from 32 bytes (mask the odd bytes, pack words to bytes); a step
// reads up to src[2 t + 31], inside the row's valid range while t + 17 <= hi.
void copy_even_bytes(const uint8_t* src, int64_t lo, int64_t hi, uint8_t* dst) {
  const __m128i even = _mm_set1_epi16(0x00FF);
  int64_t t = lo;
  for (; t + 17 <= hi; t += 16) {
    const __m128i a = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * t)), even);
    const __m128i b = _mm_and_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + 2 * t + 16)), even);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + t), _mm_packus_epi16(a, b));
  }
  for (; t < hi; ++t) dst[t] = src[2 * t];
}

// Rows [0, k) of the tile [j0, j0 + len) of a conv input (one batch entry), kTileP bytes
// each, positions past len = pad. Rows [k, k4) are zero. The tile's output-row runs are
// worked out once and the kernel tap advances by counters: no division per row.
void im2col_tile(const uint8_t* x, const ref::WindowGeometry& g, int64_t k, int64_t k4, int64_t j0, int64_t len,
                 uint8_t pad, uint8_t* rows) {
  struct Run {
    int64_t jj, len, od, oh, ow0;
  };
  Run runs[kTileP];
  int nruns = 0;
  for (int64_t j = j0; j < j0 + len;) {
    const int64_t ow = j % g.out[2], oh = j / g.out[2] % g.out[1], od = j / (g.out[1] * g.out[2]);
    const int64_t run = std::min(g.out[2] - ow, j0 + len - j);
    runs[nruns++] = Run{j - j0, run, od, oh, ow};
    j += run;
  }
  const int64_t in_hw = g.in[1] * g.in[2], s = g.stride[2];
  int64_t c = 0, kd = 0, kh = 0, kw = 0;
  for (int64_t kk = 0; kk < k; ++kk) {
    const uint8_t* xc = x + c * g.in_size();
    uint8_t* row = rows + kk * kTileP;
    for (int r = 0; r < nruns; ++r) {
      const Run& t = runs[r];
      uint8_t* dst = row + t.jj;
      const int64_t id = t.od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
      const int64_t ih = t.oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
      if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
        fill_run(dst, pad, t.len);
        continue;
      }
      const int64_t iw0 = t.ow0 * s - g.pad_begin[2] + kw * g.dilation[2];
      // Positions [lo, hi) of the run read inside the input row; the rest are padding.
      // (Strides 1 and 2 without a division: an idiv per run was a fifth of the driver.)
      const auto div_s = [s](int64_t v) { return s == 1 ? v : s == 2 ? v >> 1 : v / s; };  // v >= 0
      const int64_t lo = std::min(t.len, iw0 >= 0 ? 0 : div_s(-iw0 + s - 1));
      const int64_t hi = std::clamp(iw0 > g.in[2] - 1 ? 0 : div_s(g.in[2] - 1 - iw0) + 1, lo, t.len);
      const uint8_t* src = xc + id * in_hw + ih * g.in[2] + iw0;
      if (lo > 0) fill_run(dst, pad, lo);
      if (s == 1) {
        copy_run(dst + lo, src + lo, hi - lo);
      } else if (s == 2) {
        copy_even_bytes(src, lo, hi, dst);
      } else {
        for (int64_t i = lo; i < hi; ++i) dst[i] = src[i * s];
      }
      if (hi < t.len) fill_run(dst + hi, pad, t.len - hi);
    }
    if (len < kTileP) fill_run(row + len, pad, kTileP - len);
    if (++kw == g.kernel[2]) {  // next tap: (c, kd, kh, kw) in row-major order
      kw = 0;
      if (++kh == g.kernel[1]) {
        kh = 0;
        if (++kd == g.kernel[0]) {
          kd = 0;
          ++c;
        }
      }
    }
  }
  if (k4 > k) std::memset(rows + k * kTileP, 0, static_cast<size_t>((k4 - k) * kTileP));
}

// Rows [k4][kTileP] (row i at rows + i * row_stride) -> [k4 / 4][kTileP][4], xor `flip`
// (0x80 turns int8 into uint8).
void interleave_rows(const uint8_t* rows, int64_t row_stride, int64_t k4, uint8_t flip, uint8_t* out) {
  const __m128i f = _mm_set1_epi8(static_cast<char>(flip));
  for (int64_t g = 0; g < k4 / 4; ++g) {
    const uint8_t* r = rows + g * 4 * row_stride;
    uint8_t* o = out + g * 4 * kTileP;
    for (int64_t p = 0; p < kTileP; p += 16) {
      const auto ld = [&](int i) {
        return _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i * row_stride + p)), f);
      };
      const __m128i r0 = ld(0), r1 = ld(1), r2 = ld(2), r3 = ld(3);
      const __m128i a_lo = _mm_unpacklo_epi8(r0, r1), a_hi = _mm_unpackhi_epi8(r0, r1);  // (k0,k1) pairs
      const __m128i b_lo = _mm_unpacklo_epi8(r2, r3), b_hi = _mm_unpackhi_epi8(r2, r3);  // (k2,k3) pairs
      __m128i* d = reinterpret_cast<__m128i*>(o + p * 4);
      _mm_storeu_si128(d + 0, _mm_unpacklo_epi16(a_lo, b_lo));
      _mm_storeu_si128(d + 1, _mm_unpackhi_epi16(a_lo, b_lo));
      _mm_storeu_si128(d + 2, _mm_unpacklo_epi16(a_hi, b_hi));
      _mm_storeu_si128(d + 3, _mm_unpackhi_epi16(a_hi, b_hi));
    }
  }
}

// MatMul rows: position p's 4 bytes of k-group g are X[p, 4g .. 4g + 3], already adjacent.
void pack_rows_tile(const uint8_t* x, int64_t row_stride, int64_t k, int64_t j0, int64_t len, uint8_t flip,
                    uint8_t* out) {
  const int64_t groups = (k + 3) / 4;
  const uint32_t f = flip * 0x01010101u;
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t n = std::min<int64_t>(4, k - 4 * g);
    uint32_t* o = reinterpret_cast<uint32_t*>(out + g * 4 * kTileP);
    for (int64_t p = 0; p < len; ++p) {
      uint32_t v = 0;
      std::memcpy(&v, x + (j0 + p) * row_stride + 4 * g, static_cast<size_t>(n));
      o[p] = v ^ f;
    }
    for (int64_t p = len; p < kTileP; ++p) o[p] = 0;
  }
}

// One image [C][H*W] (C a multiple of 4... any C works) -> [H*W][C], `flip` applied, rows
// [r0, r1) of H*W. Reads channel planes row-contiguously.
void to_channels_last(const uint8_t* x, int64_t channels, int64_t hw, int64_t r0, int64_t r1, uint8_t flip,
                      uint8_t* out) {
  for (int64_t c = 0; c < channels; ++c) {
    const uint8_t* xc = x + c * hw;
    for (int64_t i = r0; i < r1; ++i) out[i * channels + c] = xc[i] ^ flip;
  }
}

// The packed tile [K/4][kTileP][4] straight from a channels-last image: K ordered (kd, kh,
// kw, c), so k-group g is channels 4g' .. 4g'+3 of one tap: one 32-bit word per position.
// Padding positions get x's zero point in all 4 bytes (flipped like the data).
void pack_tile_channels_last(const uint8_t* xcl, const ref::WindowGeometry& g, int64_t channels, int64_t k, int64_t j0,
                             int64_t len, uint32_t pad_word, uint8_t* out) {
  struct Run {
    int64_t jj, len, od, oh, ow0;
  };
  Run runs[kTileP];
  int nruns = 0;
  for (int64_t j = j0; j < j0 + len;) {
    const int64_t ow = j % g.out[2], oh = j / g.out[2] % g.out[1], od = j / (g.out[1] * g.out[2]);
    const int64_t run = std::min(g.out[2] - ow, j0 + len - j);
    runs[nruns++] = Run{j - j0, run, od, oh, ow};
    j += run;
  }
  const int64_t s = g.stride[2], row_bytes = g.in[2] * channels, plane_bytes = g.in[1] * row_bytes;
  int64_t c = 0, kd = 0, kh = 0, kw = 0;
  for (int64_t grp = 0; grp < k / 4; ++grp) {
    uint32_t* o = reinterpret_cast<uint32_t*>(out + grp * 4 * kTileP);
    for (int r = 0; r < nruns; ++r) {
      const Run& t = runs[r];
      uint32_t* dst = o + t.jj;
      const int64_t id = t.od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
      const int64_t ih = t.oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
      if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
        for (int64_t i = 0; i < t.len; ++i) dst[i] = pad_word;
        continue;
      }
      const int64_t iw0 = t.ow0 * s - g.pad_begin[2] + kw * g.dilation[2];
      const auto div_s = [s](int64_t v) { return s == 1 ? v : s == 2 ? v >> 1 : v / s; };  // v >= 0
      const int64_t lo = std::min(t.len, iw0 >= 0 ? 0 : div_s(-iw0 + s - 1));
      const int64_t hi = std::clamp(iw0 > g.in[2] - 1 ? 0 : div_s(g.in[2] - 1 - iw0) + 1, lo, t.len);
      const uint8_t* src = xcl + id * plane_bytes + ih * row_bytes + iw0 * channels + c;
      const int64_t step = s * channels;
      for (int64_t i = 0; i < lo; ++i) dst[i] = pad_word;
      for (int64_t i = lo; i < hi; ++i) std::memcpy(dst + i, src + i * step, 4);
      for (int64_t i = hi; i < t.len; ++i) dst[i] = pad_word;
    }
    for (int64_t i = len; i < kTileP; ++i) o[i] = 0;
    if ((c += 4) == channels) {  // next tap: (kd, kh, kw) in row-major order
      c = 0;
      if (++kw == g.kernel[2]) {
        kw = 0;
        if (++kh == g.kernel[1]) {
          kh = 0;
          ++kd;
        }
      }
    }
  }
}

}  // namespace

const QGemmMicrokernel* qgemm_microkernel(Isa isa) {
  if (isa == Isa::kAvx512) {
    if (const QGemmMicrokernel* vnni = qgemm_microkernel_avx512()) return vnni;
  }
  return cpu_features().avx2 ? qgemm_microkernel_avx2() : nullptr;
}

const void* qgemm_packed_weights(const ref::QGemm& q, const QGemmMicrokernel& mk, bool channels_last, int64_t taps) {
  std::shared_ptr<ref::QPackedWeights>& cache = q.packed;
  if (cache && cache->isa == mk.isa && cache->channels_last == channels_last && cache->data) return cache->data;
  const int64_t cin = q.k / taps;
  // Conv groups share one QGemm: all groups' channels are packed, block by block.
  const int64_t total = static_cast<int64_t>(q.bias.size()), kgroups = (q.k + 3) / 4;
  const int64_t blocks_per_group = (q.channels + mk.mr - 1) / mk.mr, groups = q.channels ? total / q.channels : 0;
  const int64_t elems = groups * blocks_per_group * kgroups * mk.mr * 4;
  auto fresh = std::make_shared<ref::QPackedWeights>();
  fresh->isa = mk.isa;
  fresh->channels_last = channels_last;
  fresh->storage.assign(static_cast<size_t>(elems * mk.weight_bytes + 64), 0);
  fresh->data = reinterpret_cast<int8_t*>(align64(fresh->storage.data()));
  for (int64_t grp = 0; grp < groups; ++grp)
    for (int64_t b = 0; b < blocks_per_group; ++b)
      for (int64_t g = 0; g < kgroups; ++g)
        for (int64_t r = 0; r < mk.mr; ++r)
          for (int64_t t = 0; t < 4; ++t) {
            const int64_t c = b * mk.mr + r, kk = 4 * g + t;
            if (c >= q.channels || kk >= q.k) continue;
            // Channels-last position kk = tap * cin + ci holds the weight of (ci, tap).
            const int64_t src_k = channels_last ? kk % cin * taps + kk / cin : kk;
            const int8_t v = q.weights[(grp * q.channels + c) * q.k + src_k];
            const int64_t at = (((grp * blocks_per_group + b) * kgroups + g) * mk.mr + r) * 4 + t;
            if (mk.weight_bytes == 2) reinterpret_cast<int16_t*>(fresh->data)[at] = v;
            else fresh->data[at] = v;
          }
  cache = std::move(fresh);
  return cache->data;
}

bool qgemm_x86_gemv(const QGemmMicrokernel& mk, const ref::QGemm& q, int64_t rows, const uint8_t* x,
                    int64_t x_row_stride, uint8_t* y, int64_t y_row_stride, void* scratch, int64_t scratch_bytes,
                    ThreadPool* pool) {
  if (!mk.gemv || mk.mr != 8 || rows > 4) return false;
  const int64_t kgroups = (q.k + 3) / 4, blocks = (q.channels + 7) / 8;
  // Scratch: the row's k-group words, then one int32 per (padded) channel.
  uint32_t* xw = reinterpret_cast<uint32_t*>(align64(scratch));
  int32_t* acc = reinterpret_cast<int32_t*>(align64(xw + kgroups));
  if (reinterpret_cast<uint8_t*>(acc + blocks * 8) > static_cast<uint8_t*>(scratch) + scratch_bytes) return false;
  const auto* packed_w = static_cast<const uint8_t*>(qgemm_packed_weights(q, mk));
  const int64_t w_block_bytes = kgroups * 8 * 4;
  const uint32_t x_flip = q.x_signed ? 0x80808080u : 0;
  const uint8_t y_flip = q.y_signed ? 0x80 : 0;
  const int32_t y_zp = q.unsigned_y_zero_point(), qmin = q.unsigned_qmin(), qmax = q.unsigned_qmax();
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* xr = x + r * x_row_stride;
    for (int64_t g = 0; g < kgroups; ++g) {
      uint32_t v = 0;
      std::memcpy(&v, xr + 4 * g, static_cast<size_t>(std::min<int64_t>(4, q.k - 4 * g)));
      // Bytes past k meet the packing's zero weights: their value does not matter.
      xw[g] = v ^ x_flip;
    }
    uint8_t* yr = y + r * y_row_stride;
    // Static chunks of blocks: integer sums, so any split gives the same bytes.
    parallel_for(pool, blocks, [&](int64_t b0, int64_t b1) {
      mk.gemv(kgroups, packed_w + b0 * w_block_bytes, w_block_bytes, b1 - b0, xw, acc + 8 * b0);
      for (int64_t c = 8 * b0; c < std::min(q.channels, 8 * b1); ++c)
        yr[c] = static_cast<uint8_t>(quant::requantize(acc[c] + q.bias_minus_zp_sums(c), q.multiplier[c], y_zp, qmin,
                                                       qmax)) ^
                y_flip;
    });
  }
  return true;
}

void qgemm_x86_run(const QGemmMicrokernel& mk, const ref::QGemm& q, int64_t batch, int64_t positions,
                   const QGemmSource& src, int64_t x_batch_stride, uint8_t* y, int64_t y_batch_stride, int64_t y_cs,
                   int64_t y_ps, void* scratch, int64_t scratch_bytes, ThreadPool* pool) {
  if (batch == 0 || positions == 0 || q.channels == 0) return;
  WISP_CHECK(mk.mr * mk.nr <= 8 * 32, ErrorCode::kInternal, "int8 GEMM: microkernel tile ", mk.mr, "x", mk.nr,
             " exceeds the driver's accumulator buffer");
  const bool cl = src.channels_last;
  const int64_t taps = cl ? q.k / src.in_channels : 1;
  const auto* packed_w = static_cast<const int8_t*>(qgemm_packed_weights(q, mk, cl, taps));
  const int64_t k4 = (q.k + 3) / 4 * 4, kgroups = k4 / 4, slot_bytes = ref::qgemm_slot_bytes(q.k);
  // Scratch: the channels-last copy of every image first (when used), then the slots.
  uint8_t* xcl = align64(scratch);
  const int64_t image_bytes = cl ? src.in_channels * src.geo->in_size() : 0;
  uint8_t* slots = align64(xcl + batch * image_bytes);
  const int64_t slot_count = (scratch_bytes - (slots - static_cast<uint8_t*>(scratch))) / slot_bytes;
  WISP_CHECK(slot_count >= 1, ErrorCode::kInternal, "int8 GEMM: scratch of ", scratch_bytes,
             " bytes is too small (ir/ops/qgemm_infer.cpp sizes it)");
  const int64_t threads = std::min<int64_t>({pool ? pool->threads() : 1, slot_count, ref::kQGemmSlots});
  const int64_t tiles = (positions + kTileP - 1) / kTileP;
  const int64_t want_cb = std::max<int64_t>(1, (2 * threads + batch * tiles - 1) / (batch * tiles));
  const int64_t rows_per_block = threads > 1 ? (q.channels + want_cb - 1) / want_cb : q.channels;
  const int64_t mc = (rows_per_block + mk.mr - 1) / mk.mr * mk.mr;
  const int64_t cblocks = (q.channels + mc - 1) / mc, units = batch * tiles * cblocks;
  const int64_t w_block_bytes = kgroups * mk.mr * 4 * mk.weight_bytes;
  const uint8_t x_flip = q.x_signed ? 0x80 : 0, y_flip = q.y_signed ? 0x80 : 0;
  const auto x_pad = static_cast<uint8_t>(q.x_zero_point);  // raw byte: flipped with the rest
  const int32_t y_zp = q.unsigned_y_zero_point(), qmin = q.unsigned_qmin(), qmax = q.unsigned_qmax();
  const bool pointwise = src.geo && ref::conv_is_pointwise(*src.geo);
  const uint32_t pad_word = (static_cast<uint32_t>(x_pad) ^ x_flip) * 0x01010101u;
  if (cl) {  // the channels-last copies, split over threads by rows of H*W (static chunks)
    const int64_t hw = src.geo->in_size();
    parallel_for(pool, batch * hw, [&](int64_t r0, int64_t r1) {
      for (int64_t n = r0 / hw; n <= (r1 - 1) / hw; ++n) {
        const int64_t a0 = std::max(r0, n * hw) - n * hw, a1 = std::min(r1, (n + 1) * hw) - n * hw;
        to_channels_last(src.x + n * x_batch_stride, src.in_channels, hw, a0, a1, x_flip, xcl + n * image_bytes);
      }
    });
  }
  parallel_for(pool, threads, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      uint8_t* rows = slots + t * slot_bytes;
      uint8_t* packed = rows + slot_bytes / 2;
      alignas(64) int32_t acc[8 * 32];
      int64_t u0, u1;
      ThreadPool::chunk(units, static_cast<int>(threads), static_cast<int>(t), u0, u1);
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t n = u / (tiles * cblocks), tile = u / cblocks % tiles, cb = u % cblocks;
        const int64_t j0 = tile * kTileP, len = std::min(kTileP, positions - j0);
        const int64_t c0 = cb * mc, c1 = std::min(q.channels, c0 + mc);
        const uint8_t* xn = src.x + n * x_batch_stride;
        if (cl) {
          pack_tile_channels_last(xcl + n * image_bytes, *src.geo, src.in_channels, q.k, j0, len, pad_word, packed);
        } else if (src.geo && pointwise && len == kTileP && k4 == q.k) {
          // 1x1 stride 1: the input planes are the rows; a full tile reads them in place.
          interleave_rows(xn + j0, positions, k4, x_flip, packed);
        } else if (src.geo) {
          im2col_tile(xn, *src.geo, q.k, k4, j0, len, x_pad, rows);
          interleave_rows(rows, kTileP, k4, x_flip, packed);
        } else {
          pack_rows_tile(xn, src.x_row_stride, q.k, j0, len, x_flip, packed);
        }
        uint8_t* yn = y + n * y_batch_stride;
        for (int64_t c = c0; c < c1; c += mk.mr) {
          const int8_t* wb = packed_w + c / mk.mr * w_block_bytes;
          const int64_t mm = std::min<int64_t>(mk.mr, c1 - c);
          int32_t adds[8];  // requant_tile's per-row terms (microkernels with mr <= 8)
          const bool whole_tile = y_ps == 1 && mk.requant_tile && mm <= 8;
          bool fused = whole_tile && mk.tile_requant && mm == mk.mr;  // + every row's shift >= 32
          if (whole_tile)
            for (int64_t r = 0; r < mm; ++r) {
              adds[r] = q.bias_minus_zp_sums(c + r);
              fused &= q.multiplier[c + r].shift >= 32;
            }
          for (int64_t j = 0; j < len; j += mk.nr) {
            const int64_t nn = std::min<int64_t>(mk.nr, len - j);
            if (fused && nn == mk.nr) {
              mk.tile_requant(kgroups, wb, packed + j * 4, 4 * kTileP, adds, q.multiplier.data() + c, y_zp, qmin, qmax,
                              y_flip, yn + c * y_cs + j0 + j, y_cs);
              continue;
            }
            mk.tile(kgroups, wb, packed + j * 4, 4 * kTileP, acc);
            if (whole_tile) {
              mk.requant_tile(acc, mm, nn, adds, q.multiplier.data() + c, y_zp, qmin, qmax, y_flip,
                              yn + c * y_cs + j0 + j, y_cs);
              continue;
            }
            for (int64_t r = 0; r < mm; ++r) {
              const int32_t add = q.bias_minus_zp_sums(c + r);
              const quant::FixedPointMultiplier fm = q.multiplier[c + r];
              uint8_t* yc = yn + (c + r) * y_cs + (j0 + j) * y_ps;
              if (y_ps == 1) {
                mk.requant(acc + r * mk.nr, nn, add, fm, y_zp, qmin, qmax, y_flip, yc);
                continue;
              }
              for (int64_t jj = 0; jj < nn; ++jj)
                yc[jj * y_ps] =
                    static_cast<uint8_t>(quant::requantize(acc[r * mk.nr + jj] + add, fm, y_zp, qmin, qmax)) ^ y_flip;
            }
          }
        }
      }
    }
  });
}

}  // namespace wisp::x86
