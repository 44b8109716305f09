// The NEON int8 GEMM driver and the plain-NEON microkernel (layouts and maths in
// qgemm_q8_neon.hpp). The driver follows the x86 one (kernels/x86/qgemm_u8_driver.cpp):
// units of (batch entry, tile of kQGemmTileP positions) handed to threads in contiguous
// ranges; a unit im2cols its tile as rows of k into the first half of its thread's slot,
// interleaves groups of 4 rows into [K/4][TileP][4] (zip1/zip2) in the second half, runs
// every 8 x 8 (channels x positions) tile over all of K, then adds bias - x_zp * sums and
// requantizes with quant::requantize. Integers: results do not depend on threads.
#include "kernels/arm/qgemm_q8_neon.hpp"

#include <arm_neon.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "cpu/cpu_features.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::arm {
namespace {

constexpr int64_t kTileP = ref::kQGemmTileP;

uint8_t* align64(void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<uint8_t*>(addr + (64 - addr % 64) % 64);
}

// Rows [0, k) of the tile [j0, j0 + len) of a conv input (one batch entry), kTileP bytes
// each, positions past len = pad; rows [k, k4) zero. (As the x86 driver's im2col_tile.)
void im2col_tile(const uint8_t* x, const ref::WindowGeometry& g, int64_t k, int64_t k4, int64_t j0, int64_t len,
                 uint8_t pad, uint8_t* rows) {
  const int64_t ksize = g.kernel_size(), in_hw = g.in[1] * g.in[2];
  for (int64_t kk = 0; kk < k; ++kk) {
    const int64_t c = kk / ksize, tap = kk % ksize;
    const int64_t kd = tap / (g.kernel[1] * g.kernel[2]), kh = tap / g.kernel[2] % g.kernel[1], kw = tap % g.kernel[2];
    const uint8_t* xc = x + c * g.in_size();
    uint8_t* row = rows + kk * kTileP;
    for (int64_t j = j0; j < j0 + len;) {
      const int64_t ow = j % g.out[2], oh = j / g.out[2] % g.out[1], od = j / (g.out[1] * g.out[2]);
      const int64_t run = std::min(g.out[2] - ow, j0 + len - j);
      uint8_t* dst = row + (j - j0);
      j += run;
      const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
      const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
      if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
        std::memset(dst, pad, static_cast<size_t>(run));
        continue;
      }
      const int64_t s = g.stride[2], iw0 = ow * s - g.pad_begin[2] + kw * g.dilation[2];
      // Positions [lo, hi) of the run read inside the input row; the rest are padding.
      const int64_t lo = std::min(run, iw0 >= 0 ? 0 : (-iw0 + s - 1) / s);
      const int64_t hi = std::clamp(iw0 > g.in[2] - 1 ? 0 : (g.in[2] - 1 - iw0) / s + 1, lo, run);
      const uint8_t* src = xc + id * in_hw + ih * g.in[2] + iw0;
      std::memset(dst, pad, static_cast<size_t>(lo));
      if (s == 1) {
        std::memcpy(dst + lo, src + lo, static_cast<size_t>(hi - lo));
      } else {
        for (int64_t t = lo; t < hi; ++t) dst[t] = src[t * s];
      }
      std::memset(dst + hi, pad, static_cast<size_t>(run - hi));
    }
    std::memset(row + len, pad, static_cast<size_t>(kTileP - len));
  }
  std::memset(rows + k * kTileP, 0, static_cast<size_t>((k4 - k) * kTileP));
}

// Rows [k4][kTileP] -> [k4 / 4][kTileP][4], xor `flip` (0x80 turns int8 into uint8).
void interleave_rows(const uint8_t* rows, int64_t k4, uint8_t flip, uint8_t* out) {
  const uint8x16_t f = vdupq_n_u8(flip);
  for (int64_t g = 0; g < k4 / 4; ++g) {
    const uint8_t* r = rows + g * 4 * kTileP;
    uint8_t* o = out + g * 4 * kTileP;
    for (int64_t p = 0; p < kTileP; p += 16) {
      const uint8x16_t r0 = veorq_u8(vld1q_u8(r + p), f), r1 = veorq_u8(vld1q_u8(r + kTileP + p), f);
      const uint8x16_t r2 = veorq_u8(vld1q_u8(r + 2 * kTileP + p), f), r3 = veorq_u8(vld1q_u8(r + 3 * kTileP + p), f);
      const uint16x8_t a_lo = vreinterpretq_u16_u8(vzip1q_u8(r0, r1)), a_hi = vreinterpretq_u16_u8(vzip2q_u8(r0, r1));
      const uint16x8_t b_lo = vreinterpretq_u16_u8(vzip1q_u8(r2, r3)), b_hi = vreinterpretq_u16_u8(vzip2q_u8(r2, r3));
      uint8_t* d = o + p * 4;
      vst1q_u8(d, vreinterpretq_u8_u16(vzip1q_u16(a_lo, b_lo)));
      vst1q_u8(d + 16, vreinterpretq_u8_u16(vzip2q_u16(a_lo, b_lo)));
      vst1q_u8(d + 32, vreinterpretq_u8_u16(vzip1q_u16(a_hi, b_hi)));
      vst1q_u8(d + 48, vreinterpretq_u8_u16(vzip2q_u16(a_hi, b_hi)));
    }
  }
}

// MatMul rows: position p's 4 bytes of k-group g are X[p, 4g .. 4g + 3], already adjacent.
// (As the x86 driver's pack_rows_tile.)
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

// Plain NEON: 4 channels at a time (16 accumulators of pair sums), twice per tile.
void tile_plain(int64_t kgroups, const int8_t* w, const uint8_t* x, int64_t xs, int32_t* acc) {
  const uint8x16_t flip = vdupq_n_u8(0x80);
  for (int half = 0; half < 2; ++half) {
    int32x4_t a[4][2][2];
    for (auto& r : a)
      for (auto& v : r) v[0] = v[1] = vdupq_n_s32(0);
    for (int64_t g = 0; g < kgroups; ++g) {
      const int8x16_t x0 = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(x + g * xs), flip));       // positions 0-3
      const int8x16_t x1 = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(x + g * xs + 16), flip));  // positions 4-7
      const int8_t* wg = w + g * kQNeonMr * 4 + half * 16;
      for (int r = 0; r < 4; ++r) {
        int32_t w4;
        std::memcpy(&w4, wg + r * 4, sizeof w4);
        const int8x16_t wv = vreinterpretq_s8_s32(vdupq_n_s32(w4));  // the channel's 4 k, 4 times
        a[r][0][0] = vpadalq_s16(a[r][0][0], vmull_s8(vget_low_s8(x0), vget_low_s8(wv)));
        a[r][0][1] = vpadalq_s16(a[r][0][1], vmull_high_s8(x0, wv));
        a[r][1][0] = vpadalq_s16(a[r][1][0], vmull_s8(vget_low_s8(x1), vget_low_s8(wv)));
        a[r][1][1] = vpadalq_s16(a[r][1][1], vmull_high_s8(x1, wv));
      }
    }
    int32_t trailer[kQNeonMr];
    std::memcpy(trailer, w + kgroups * kQNeonMr * 4, sizeof trailer);
    for (int r = 0; r < 4; ++r) {
      const int32x4_t t = vdupq_n_s32(trailer[half * 4 + r]);
      int32_t* out = acc + (half * 4 + r) * kQNeonNr;
      vst1q_s32(out, vaddq_s32(vpaddq_s32(a[r][0][0], a[r][0][1]), t));
      vst1q_s32(out + 4, vaddq_s32(vpaddq_s32(a[r][1][0], a[r][1][1]), t));
    }
  }
}

const QGemmNeonKernel kPlainKernel{"neon (smull/sadalp)", tile_plain};

}  // namespace

const QGemmNeonKernel* qgemm_neon_plain_kernel() { return &kPlainKernel; }

const QGemmNeonKernel* qgemm_neon_best_kernel() {
  return cpu_features().dotprod ? qgemm_neon_dot_kernel() : qgemm_neon_plain_kernel();
}

int64_t qgemm_neon_block_bytes(int64_t k) { return (k + 3) / 4 * kQNeonMr * 4 + kQNeonMr * 4; }

const int8_t* qgemm_neon_packed_weights(const ref::QGemm& q) {
  std::shared_ptr<ref::QPackedWeights>& cache = q.packed;
  if (cache && cache->isa == Isa::kNeon && cache->data) return cache->data;
  const int64_t total = static_cast<int64_t>(q.bias.size()), kgroups = (q.k + 3) / 4;
  const int64_t blocks = (total + kQNeonMr - 1) / kQNeonMr, block_bytes = qgemm_neon_block_bytes(q.k);
  auto fresh = std::make_shared<ref::QPackedWeights>();
  fresh->isa = Isa::kNeon;
  fresh->storage.assign(static_cast<size_t>(blocks * block_bytes + 64), 0);
  fresh->data = reinterpret_cast<int8_t*>(align64(fresh->storage.data()));
  for (int64_t b = 0; b < blocks; ++b) {
    int8_t* block = fresh->data + b * block_bytes;
    int32_t trailer[kQNeonMr] = {};
    for (int64_t r = 0; r < kQNeonMr; ++r) {
      const int64_t c = b * kQNeonMr + r;
      if (c >= total) continue;
      for (int64_t kk = 0; kk < q.k; ++kk) block[(kk / 4 * kQNeonMr + r) * 4 + kk % 4] = q.weights[c * q.k + kk];
      trailer[r] = 128 * q.weight_sums[c];
    }
    std::memcpy(block + kgroups * kQNeonMr * 4, trailer, sizeof trailer);
  }
  cache = std::move(fresh);
  return cache->data;
}

void qgemm_neon_run(const QGemmNeonKernel& mk, const ref::QGemm& q, int64_t batch, int64_t positions,
                    const QGemmNeonSource& src, int64_t x_batch, uint8_t* y, int64_t y_batch, int64_t y_cs,
                    int64_t y_ps, void* scratch, int64_t scratch_bytes, ThreadPool* pool) {
  if (batch == 0 || positions == 0 || q.channels == 0) return;
  const int8_t* packed_w = qgemm_neon_packed_weights(q);
  const int64_t k4 = (q.k + 3) / 4 * 4, kgroups = k4 / 4, slot_bytes = ref::qgemm_slot_bytes(q.k);
  uint8_t* slots = align64(scratch);
  const int64_t slot_count = (scratch_bytes - (slots - static_cast<uint8_t*>(scratch))) / slot_bytes;
  WISP_CHECK(slot_count >= 1, ErrorCode::kInternal, "NEON int8 GEMM: scratch of ", scratch_bytes,
             " bytes is too small (ir/ops/qgemm_infer.cpp sizes it)");
  const int64_t tiles = (positions + kTileP - 1) / kTileP, units = batch * tiles;
  const int64_t threads = std::min<int64_t>({pool ? pool->threads() : 1, slot_count, ref::kQGemmSlots, units});
  const int64_t block_bytes = qgemm_neon_block_bytes(q.k);
  const uint8_t x_flip = q.x_signed ? 0x80 : 0, y_flip = q.y_signed ? 0x80 : 0;
  const auto x_pad = static_cast<uint8_t>(q.x_zero_point);  // raw byte: flipped with the rest
  const int32_t y_zp = q.unsigned_y_zero_point(), qmin = q.unsigned_qmin(), qmax = q.unsigned_qmax();
  parallel_for(pool, threads, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      uint8_t* rows = slots + t * slot_bytes;
      uint8_t* packed = rows + slot_bytes / 2;
      alignas(16) int32_t acc[kQNeonMr * kQNeonNr];
      int64_t u0, u1;
      ThreadPool::chunk(units, static_cast<int>(threads), static_cast<int>(t), u0, u1);
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t n = u / tiles, j0 = u % tiles * kTileP, len = std::min(kTileP, positions - j0);
        if (src.geo) {
          im2col_tile(src.x + n * x_batch, *src.geo, q.k, k4, j0, len, x_pad, rows);
          interleave_rows(rows, k4, x_flip, packed);
        } else {
          pack_rows_tile(src.x + n * x_batch, src.x_row_stride, q.k, j0, len, x_flip, packed);
        }
        uint8_t* yn = y + n * y_batch;
        for (int64_t ch = 0; ch < q.channels; ch += kQNeonMr) {
          const int64_t mm = std::min<int64_t>(kQNeonMr, q.channels - ch);
          for (int64_t j = 0; j < len; j += kQNeonNr) {
            mk.tile(kgroups, packed_w + ch / kQNeonMr * block_bytes, packed + j * 4, 4 * kTileP, acc);
            const int64_t nn = std::min<int64_t>(kQNeonNr, len - j);
            for (int64_t r = 0; r < mm; ++r) {
              const int32_t add = q.bias_minus_zp_sums(ch + r);
              const quant::FixedPointMultiplier fm = q.multiplier[ch + r];
              uint8_t* yc = yn + (ch + r) * y_cs + (j0 + j) * y_ps;
              for (int64_t jj = 0; jj < nn; ++jj)
                yc[jj * y_ps] = static_cast<uint8_t>(quant::requantize(acc[r * kQNeonNr + jj] + add, fm, y_zp, qmin, qmax)) ^
                         y_flip;
            }
          }
        }
      }
    }
  });
}

bool run_qlinear_conv_gemm_q8_neon(const KernelArgs& args, const QGemmNeonKernel* mk) {
  const ref::QConvParams& p = args.p<ref::QConvParams>();
  if (!p.fixed_point || p.conv.group != 1) return false;
  // The reference's im2col region comes first in the scratch (ir/ops/conv_quantized.cpp).
  const int64_t skip = ref::conv_col_elems(p.conv);
  if (args.scratch_bytes - skip < ref::qgemm_slot_bytes(p.q.k) + 64) return false;
  const ref::ConvParams& c = p.conv;
  QGemmNeonSource src;
  src.x = args.in[0]->as<const uint8_t>();
  src.geo = &c.geo;
  const int64_t positions = c.geo.out_size();
  qgemm_neon_run(mk ? *mk : *qgemm_neon_best_kernel(), p.q, c.batch, positions, src, c.in_channels * c.geo.in_size(),
                 args.out[0]->as<uint8_t>(), c.out_channels * positions, positions, 1,
                 static_cast<uint8_t*>(args.scratch) + skip, args.scratch_bytes - skip, args.pool);
  return true;
}

bool run_qlinear_matmul_gemm_q8_neon(const KernelArgs& args, const QGemmNeonKernel* mk) {
  const ref::QMatMulParams& p = args.p<ref::QMatMulParams>();
  const ref::MatMulParams& mm = p.mm;
  // A's batches must be plain consecutive matrices (no broadcast of A against B's batch).
  bool contiguous = true;
  for (int d = 0; d < mm.batch_rank; ++d) contiguous &= mm.b_batch_stride[d] == 0;
  if (!p.fixed_point || !contiguous || args.scratch_bytes < ref::qgemm_slot_bytes(p.q.k) + 64) return false;
  QGemmNeonSource src;
  src.x = args.in[0]->as<const uint8_t>();
  src.x_row_stride = mm.k;
  // Positions = the rows of A (all batches at once), channels = the columns of B.
  qgemm_neon_run(mk ? *mk : *qgemm_neon_best_kernel(), p.q, 1, mm.batch_count * mm.m, src, 0,
                 args.out[0]->as<uint8_t>(), 0, 1, mm.n, args.scratch, args.scratch_bytes, args.pool);
  return true;
}

}  // namespace wisp::arm
