// Indirect GEMM (XNNPACK's "igemm") for the float32 NhwcConv, templated on the tile height
// and included only by the ISA files (each compiled with its own -m flags; everything has
// internal linkage, like gemm_f32_driver.hpp). Vf (gemm_f32_epilogue.hpp) is the ISA's
// vector: 16 lanes under AVX-512, 8 under AVX2; a panel is NR = 2 vectors of channels.
//
// Microkernel: an MR-position x NR-channel tile of Y in 2 x MR vector accumulators. It
// walks the K dimension as taps x channels: per tap it takes MR row pointers (input pixel
// rows of C floats, or a static zero row for padding) from the indirection table, then per
// channel loads the two weight vectors of the panel and broadcasts one float of each row.
// Rows past the last position point at the zero row and are never stored; output channels
// past M are masked on store (and a panel with at most one vector of live channels skips
// the other half of the FMAs).
//
// Driver: the work is cut into units of (image, block of up to MC positions, block of
// panels). A unit builds its table of row pointers in a 32 KB stack buffer (positions x
// taps; the input's address can change between runs, so the table is not kept), then walks
// K in blocks of about kKc steps -- whole taps of all channels when C is small, one tap and
// a slice of channels when C is large (resnet's 512-channel 3x3: 9 x 2 blocks of 256) --
// and for each block sweeps its panels (the block's weights, kc x NR, stay in L1; the
// first tile prefetches the next panel's into L2 -- not L1, where it would evict the
// block still in use -- which matters when the weights come from L3: resnet's 7x7 stage
// has 9.4 MB of them) over its tiles (the block's input rows stay in
// L2). The first block adds bias and residual to the sum, later blocks accumulate onto Y,
// the last applies the activation, each while the tile is in registers.
//
// Small C (the 3-channel stem: 3 FMA steps per tap would be all loop overhead): the K
// steps are regrouped so that each "tap" is long. With no dilation along W, a kernel row
// (kd, kh) is one tap of kW x C floats, contiguous in the input row: the table points into
// X, and only positions at the left/right edge get a copy with zeros (stem: 96 against 81
// GFLOP/s for the copy-everything form). With dilation along W, each position's whole
// receptive field is copied into a patch and run as one tap of taps x C. The packed
// weights' k = tap * C + c already is the order of both.
//
// Tile height: MR (8 AVX-512, 6 AVX2) or one less when that leaves fewer rows of the last
// tile empty (49 positions = 7 x 7 rather than 7 x 8 with 7 wasted; 196 = 28 x 7).
//
// Threads take contiguous ranges of units (nhwc_conv_split picks the cut). Every element of Y is summed over the same K
// blocks in the same order whatever unit holds it, so results are bit-identical for any
// thread count. A residual is read only by the first K block, element by element before
// Y's element is written, so Y may share R's memory.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/x86/conv_nhwc_f32.hpp"
#include "kernels/x86/gemm_f32_epilogue.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

constexpr int64_t kNhwcKc = 256;     // K steps per block: the block's panel (kc x NR) fits L1
constexpr int64_t kNhwcMcMax = 256;  // positions per unit: their input rows of one block fit L2
constexpr int64_t kNhwcNr = 2 * Vf::kLanes;
// A unit's stack buffer: its row table (kNhwcConvTablePtrs pointers) or its patches.
constexpr int64_t kNhwcUnitBufferBytes = kNhwcConvTablePtrs * int64_t{sizeof(const float*)};

// The padding row: a K block reads at most kNhwcKc channels of a row.
alignas(64) const float kNhwcZeroRow[kNhwcKc] = {};

template <int64_t Nr>
void pack_nhwc_weights(int64_t m, int64_t c, int64_t taps, const float* w, float* out) {
  for (int64_t j0 = 0; j0 < m; j0 += Nr) {
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t ci = 0; ci < c; ++ci) {
        float* dst = out + (t * c + ci) * Nr;
        for (int64_t j = 0; j < Nr; ++j) dst[j] = j0 + j < m ? w[((j0 + j) * c + ci) * taps + t] : 0.0f;
      }
    out += taps * c * Nr;
  }
}

// One call: taps [0, ntaps) of `rows` ([tap][Mr] pointers, null = padding), channels
// [c0, c0 + clen), weights `b` at (first tap, c0) of the panel, b_tap_stride floats apart.
template <int Mr, bool Half>
inline void igemm_accumulate(const float* const* rows, int64_t ntaps, int64_t c0, int64_t clen, const float* b,
                             int64_t b_tap_stride, const float* prefetch, V (&acc)[Mr][2]) {
  for (int i = 0; i < Mr; ++i) acc[i][0] = acc[i][1] = Vf::set(0.0f);
  for (int64_t t = 0; t < ntaps; ++t) {
    const float* a[Mr];
    for (int i = 0; i < Mr; ++i) a[i] = rows[t * Mr + i] ? rows[t * Mr + i] + c0 : kNhwcZeroRow;
    const float* bt = b + t * b_tap_stride;
    const float* pt = prefetch ? prefetch + t * b_tap_stride : nullptr;
    for (int64_t c = 0; c < clen; ++c) {
      if (pt) {
        _mm_prefetch(reinterpret_cast<const char*>(pt), _MM_HINT_T1);
        if constexpr (kNhwcNr * 4 > 64) _mm_prefetch(reinterpret_cast<const char*>(pt + 16), _MM_HINT_T1);
        pt += kNhwcNr;
      }
      const V b0 = Vf::load(bt);
      if constexpr (Half) {
#pragma GCC unroll 8
        for (int i = 0; i < Mr; ++i) acc[i][0] = Vf::fma(Vf::set(a[i][c]), b0, acc[i][0]);
      } else {
        const V b1 = Vf::load(bt + Vf::kLanes);
#pragma GCC unroll 8
        for (int i = 0; i < Mr; ++i) {
          const V av = Vf::set(a[i][c]);
          acc[i][0] = Vf::fma(av, b0, acc[i][0]);
          acc[i][1] = Vf::fma(av, b1, acc[i][1]);
        }
      }
      bt += kNhwcNr;
    }
  }
}

// Where one tile's sum goes: Y rows ldy apart; bias (at the panel's first channel) and
// the residual (same layout as Y) are added by the first K block, the activation by the last.
struct TileOut {
  float* y;
  int64_t ldy;
  int m, n;  // live rows (positions) and columns (channels)
  const float* bias;
  const float* residual;
  bool first, last;
};

// Relu and Clip (ReLU6) are applied in registers; the other activations (exp, tanh, erf:
// a lot of code, which inlined for each of the 2 x MR accumulators made the loop too big
// for the instruction cache) run afterwards over the stored tile, still in L1.
template <int Mr, bool Half>
inline void igemm_store(V (&acc)[Mr][2], const TileOut& o, const ref::Epilogue& e) {
  constexpr int kHalves = Half ? 1 : 2;
  using A = ref::EpilogueAct;
  // Full panels store unmasked (masked AVX2 stores are slow on AMD); tails are masked.
  const bool full = o.n == kNhwcNr;
  const Vf::Mask mask[2] = {Vf::mask(o.n), Vf::mask(o.n - Vf::kLanes)};
  auto load = [&](const float* p, int h) { return full ? Vf::load(p) : Vf::load(p, mask[h]); };
  const bool relu = o.last && e.act == A::kRelu, clip = o.last && e.act == A::kClip;
  const V lo = Vf::set(clip ? e.alpha : 0.0f), hi = Vf::set(clip ? e.beta : 0.0f);
  // Constant trip count (rows past m skipped) so that acc stays in registers.
#pragma GCC unroll 8
  for (int i = 0; i < Mr; ++i) {
    if (i >= o.m) break;
    float* yr = o.y + i * o.ldy;
#pragma GCC unroll 2
    for (int h = 0; h < kHalves; ++h) {
      V v = acc[i][h];
      if (!o.first) {
        v = Vf::add(v, load(yr + h * Vf::kLanes, h));
      } else {
        if (o.bias) v = Vf::add(v, load(o.bias + h * Vf::kLanes, h));
        if (o.residual) v = Vf::add(v, load(o.residual + i * o.ldy + h * Vf::kLanes, h));
      }
      if (relu) v = Vf::max(v, lo);
      if (clip) v = Vf::min(Vf::max(v, lo), hi);
      if (full) {
        Vf::store(yr + h * Vf::kLanes, v);
      } else {
        Vf::store(yr + h * Vf::kLanes, v, mask[h]);
      }
    }
  }
  if (o.last && !relu && !clip && e.act != A::kNone) {
    for (int i = 0; i < o.m; ++i) act_row(o.y + i * o.ldy, o.n, e);
  }
}

// Fills table[(tile * taps + tap) * Mr + r] for positions [j0, j0 + tiles * Mr) of image
// x (null where the tap falls in the padding or the position is past the last).
template <int Mr>
void build_row_table(const ref::WindowGeometry& g, int64_t channels, const float* x, int64_t j0, int64_t tiles,
                     const float** table) {
  const int64_t taps = g.kernel_size(), positions = g.out_size();
  for (int64_t jj = 0; jj < tiles * Mr; ++jj) {
    const int64_t j = j0 + jj;
    const float** col = table + jj / Mr * taps * Mr + jj % Mr;
    if (j >= positions) {
      for (int64_t t = 0; t < taps; ++t) col[t * Mr] = nullptr;
      continue;
    }
    const int64_t ow = j % g.out[2], oh = j / g.out[2] % g.out[1], od = j / (g.out[1] * g.out[2]);
    const int64_t id0 = od * g.stride[0] - g.pad_begin[0], ih0 = oh * g.stride[1] - g.pad_begin[1];
    const int64_t iw0 = ow * g.stride[2] - g.pad_begin[2];
    int64_t t = 0;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
      const int64_t id = id0 + kd * g.dilation[0];
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
        const int64_t ih = ih0 + kh * g.dilation[1];
        const bool row_ok = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw, ++t) {
          const int64_t iw = iw0 + kw * g.dilation[2];
          col[t * Mr] = row_ok && iw >= 0 && iw < g.in[2] ? x + ((id * g.in[1] + ih) * g.in[2] + iw) * channels : nullptr;
        }
      }
    }
  }
}

// Copies the receptive field of positions [j0, j0 + count) of image x into patches of
// taps x channels floats each ([tap][c], zero in the padding): the small-C path, where a
// tap's few channels are too short a loop for the microkernel (the 3-channel stem: 3 FMA
// steps per tap). With no dilation along W the kW taps of one kernel row are one
// contiguous run of the input row.
inline void build_patches(const ref::WindowGeometry& g, int64_t channels, const float* x, int64_t j0, int64_t count,
                          float* patches) {
  const int64_t kw_n = g.kernel[2], run = kw_n * channels, patch = g.kernel_size() * channels;
  for (int64_t jj = 0; jj < count; ++jj) {
    const int64_t j = j0 + jj;
    const int64_t ow = j % g.out[2], oh = j / g.out[2] % g.out[1], od = j / (g.out[1] * g.out[2]);
    const int64_t id0 = od * g.stride[0] - g.pad_begin[0], ih0 = oh * g.stride[1] - g.pad_begin[1];
    const int64_t iw0 = ow * g.stride[2] - g.pad_begin[2];
    float* dst = patches + jj * patch;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
      const int64_t id = id0 + kd * g.dilation[0];
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh, dst += run) {
        const int64_t ih = ih0 + kh * g.dilation[1];
        if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
          std::fill(dst, dst + run, 0.0f);
          continue;
        }
        const float* row = x + (id * g.in[1] + ih) * g.in[2] * channels;
        if (g.dilation[2] == 1) {
          const int64_t lo = std::clamp<int64_t>(-iw0, 0, kw_n), hi = std::clamp<int64_t>(g.in[2] - iw0, lo, kw_n);
          std::fill(dst, dst + lo * channels, 0.0f);
          std::copy(row + (iw0 + lo) * channels, row + (iw0 + hi) * channels, dst + lo * channels);
          std::fill(dst + hi * channels, dst + run, 0.0f);
          continue;
        }
        for (int64_t kw = 0; kw < kw_n; ++kw) {
          const int64_t iw = iw0 + kw * g.dilation[2];
          float* d = dst + kw * channels;
          if (iw >= 0 && iw < g.in[2]) {
            std::copy(row + iw * channels, row + (iw + 1) * channels, d);
          } else {
            std::fill(d, d + channels, 0.0f);
          }
        }
      }
    }
  }
}

// The small-C form with no dilation along W: one "tap" per kernel row (kd, kh), whose
// kW x C floats are one contiguous run of the input row -- a pointer into X where the run
// lies inside the row, else a copy with zeros for the padding (only positions at the left
// and right edges) in `edge`. table[(tile * kernel rows + row) * Mr + r] as build_row_table.
template <int Mr>
void build_kernel_row_table(const ref::WindowGeometry& g, int64_t channels, const float* x, int64_t j0, int64_t tiles,
                            const float** table, float* edge) {
  const int64_t kw_n = g.kernel[2], run = kw_n * channels, rows = g.kernel[0] * g.kernel[1];
  const int64_t positions = g.out_size();
  for (int64_t jj = 0; jj < tiles * Mr; ++jj) {
    const int64_t j = j0 + jj;
    const float** col = table + jj / Mr * rows * Mr + jj % Mr;
    if (j >= positions) {
      for (int64_t t = 0; t < rows; ++t) col[t * Mr] = nullptr;
      continue;
    }
    const int64_t ow = j % g.out[2], oh = j / g.out[2] % g.out[1], od = j / (g.out[1] * g.out[2]);
    const int64_t id0 = od * g.stride[0] - g.pad_begin[0], ih0 = oh * g.stride[1] - g.pad_begin[1];
    const int64_t iw0 = ow * g.stride[2] - g.pad_begin[2];
    const bool inside = iw0 >= 0 && iw0 + kw_n <= g.in[2];
    const int64_t lo = std::clamp<int64_t>(-iw0, 0, kw_n), hi = std::clamp<int64_t>(g.in[2] - iw0, lo, kw_n);
    int64_t t = 0;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
      const int64_t id = id0 + kd * g.dilation[0];
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh, ++t) {
        const int64_t ih = ih0 + kh * g.dilation[1];
        if (id < 0 || id >= g.in[0] || ih < 0 || ih >= g.in[1]) {
          col[t * Mr] = nullptr;
          continue;
        }
        const float* row = x + (id * g.in[1] + ih) * g.in[2] * channels;
        if (inside) {
          col[t * Mr] = row + iw0 * channels;
          continue;
        }
        std::fill(edge, edge + lo * channels, 0.0f);
        std::copy(row + (iw0 + lo) * channels, row + (iw0 + hi) * channels, edge + lo * channels);
        std::fill(edge + hi * channels, edge + run, 0.0f);
        col[t * Mr] = edge;
        edge += run;
      }
    }
  }
}

// How a conv's work is cut into units of (image, position block, panel block): pblocks
// blocks of whole tiles and nblocks blocks of whole panels per image, each balanced (sizes
// differ by at most one tile / panel). One thread: the fewest position blocks whose tiles
// fit a unit's buffer (max_tiles) and one panel block, as before. Threads: the split
// whose busiest thread (its contiguous chunk of units, as ThreadPool::chunk cuts them) has
// the least work, counted as tiles x panel vectors (the last panel may be half) plus a
// fixed cost per unit (its row table, and re-reading its inputs / weights); among near
// ties (within 1/32) the fewest units. Large maps just round the position blocks up.
// Small maps (7x7, 14x14: 7 or 28 tiles) with few panels (80 channels: 3 panels) need the
// position cut too: 3 panel blocks on 2 threads are 2:1, 2 blocks of 14 tiles are 1:1. The split only moves unit boundaries: every
// element of Y is summed in the same order, so results do not depend on it.
struct NhwcConvSplit {
  int64_t pblocks = 1, nblocks = 1;
};

inline NhwcConvSplit nhwc_conv_split(int64_t batch, int64_t tiles, int64_t max_tiles, int64_t panels,
                                     int64_t last_panel_vecs, int64_t threads) {
  NhwcConvSplit best;
  const int64_t pb_min = std::max<int64_t>(1, (tiles + max_tiles - 1) / max_tiles);
  best.pblocks = pb_min;
  if (threads <= 1) return best;
  // Large maps (56x56: 13 blocks of 32 tiles) or batches: enough units already, so only
  // round the blocks up to a multiple of the thread count when the units do not divide
  // evenly (14 blocks on 2 threads, not 13 -- 7:6).
  if (batch * pb_min >= 4 * threads) {
    if ((batch * pb_min) % threads != 0) best.pblocks = std::min(tiles, (pb_min + threads - 1) / threads * threads);
    return best;
  }
  // Work of panels [q0, q1): 2 vectors each, the last one last_panel_vecs.
  auto vecs = [&](int64_t q0, int64_t q1) { return 2 * (q1 - q0) - (q1 == panels ? 2 - last_panel_vecs : 0); };
  constexpr int64_t kUnitCost = 2;  // per unit, in tile x vector steps (table, reloads)
  constexpr int64_t kMaxCut = 16;
  int64_t best_cost = -1, best_units = 0;
  // At most 2 x threads blocks each way (and kMaxCut): this runs on every call, so it must
  // stay cheap -- on 2 threads at most 4 x 4 cuts, ~100 units in all, no division per unit.
  const int64_t pb_max = std::min({tiles, pb_min + 2 * threads - 1, kMaxCut});
  const int64_t nb_max = std::min({panels, 2 * threads, kMaxCut});
  int64_t tile_len[kMaxCut], vec_len[kMaxCut];
  for (int64_t pb = pb_min; pb <= pb_max; ++pb) {
    for (int64_t i = 0; i < pb; ++i) tile_len[i] = tiles * (i + 1) / pb - tiles * i / pb;
    for (int64_t nb = 1; nb <= nb_max; ++nb) {
      for (int64_t q = 0; q < nb; ++q) vec_len[q] = vecs(panels * q / nb, panels * (q + 1) / nb);
      // Walk the units in order (image, position block, panel block), closing thread t's
      // chunk at units * (t + 1) / threads (ThreadPool::chunk).
      const int64_t units = batch * pb * nb;
      int64_t worst = 0, cost = 0, u = 0, t = 0, chunk_end = units / threads;
      for (int64_t n = 0; n < batch; ++n)
        for (int64_t i = 0; i < pb; ++i)
          for (int64_t q = 0; q < nb; ++q) {
            while (u == chunk_end) {  // (empty chunks when units < threads)
              worst = std::max(worst, cost);
              cost = 0;
              chunk_end = units * (++t + 1) / threads;
            }
            cost += tile_len[i] * vec_len[q] + kUnitCost;
            ++u;
          }
      worst = std::max(worst, cost);
      // Better: clearly less work on the busiest thread, or as good with fewer units.
      const bool better = best_cost < 0 || worst * 32 < best_cost * 31 ||
                          (worst * 31 <= best_cost * 32 && units < best_units);
      if (better) {
        best_cost = worst;
        best_units = units;
        best.pblocks = pb;
        best.nblocks = nb;
      }
    }
  }
  return best;
}

template <int Mr>
void nhwc_conv_blocked(const NhwcConvF32Args& a, ThreadPool* pool) {
  static_assert(Mr * 64 <= kNhwcConvTablePtrs);
  const ref::ConvParams& p = *a.p;
  const ref::WindowGeometry& g = p.geo;
  const int64_t m = p.out_channels, positions = g.out_size();
  const int64_t panels = (m + kNhwcNr - 1) / kNhwcNr;
  // Small C (< 16 channels, all of K in one block): a tap's few channels are too short a
  // loop, so the K steps are regrouped (the packed weights' k = tap * C + c is the same
  // order either way): with no dilation along W, one tap per kernel row of kW x C
  // contiguous floats; otherwise each position's whole patch as one tap of taps x C.
  const bool small_c = g.kernel_size() > 1 && p.in_channels < 16 && g.kernel_size() * p.in_channels <= kNhwcKc;
  const bool kernel_rows = small_c && g.dilation[2] == 1 && g.kernel[2] > 1;
  const bool gather = small_c && !kernel_rows;
  const int64_t taps = gather ? 1 : kernel_rows ? g.kernel[0] * g.kernel[1] : g.kernel_size();
  const int64_t c = p.in_channels * g.kernel_size() / taps;
  // K blocks: several whole taps when C is small, else one tap and an equal slice of C.
  int64_t tap_step = taps, c_step = c;
  if (c >= kNhwcKc) {
    tap_step = 1;
    const int64_t slices = (c + kNhwcKc - 1) / kNhwcKc;
    c_step = (c + slices - 1) / slices;
  } else if (taps * c > kNhwcKc) {
    const int64_t per = std::max<int64_t>(1, kNhwcKc / c), blocks = (taps + per - 1) / per;
    tap_step = (taps + blocks - 1) / blocks;
  }
  // Positions per unit: at most kNhwcMcMax and what the unit's buffer holds (the table of
  // taps pointers per position, or the patches of c floats), whole tiles.
  // (kernel rows: the worst case, every row an edge copy.)
  const int64_t per_position = gather ? c * int64_t{sizeof(float)}
                             : kernel_rows ? taps * (int64_t{sizeof(const float*)} + c * int64_t{sizeof(float)})
                                           : taps * int64_t{sizeof(const float*)};
  const int64_t mc_cap = std::min(kNhwcMcMax, kNhwcUnitBufferBytes / per_position) / Mr * Mr;
  // Position blocks (whole tiles, balanced: block i holds tiles [tiles * i / pb, ...)) and
  // panel blocks (likewise) per image: see nhwc_conv_split.
  const int64_t tiles_total = (positions + Mr - 1) / Mr;
  const NhwcConvSplit split = nhwc_conv_split(p.batch, tiles_total, mc_cap / Mr, panels,
                                              (m - (panels - 1) * kNhwcNr + Vf::kLanes - 1) / Vf::kLanes,
                                              pool ? pool->threads() : 1);
  const int64_t pblocks = split.pblocks, nblocks = split.nblocks;
  const int64_t in_image = g.in_size() * p.in_channels, out_image = positions * m;
  parallel_for(pool, p.batch * pblocks * nblocks, [&](int64_t u0, int64_t u1) {
    // The unit's table of row pointers (then the edge copies of kernel_rows), or its
    // patches (gather).
    alignas(64) unsigned char buffer[kNhwcUnitBufferBytes];
    const float** table = reinterpret_cast<const float**>(buffer);
    float* patches = reinterpret_cast<float*>(buffer);
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t n = u / (pblocks * nblocks), pb = u / nblocks % pblocks, nb = u % nblocks;
      const int64_t j0 = tiles_total * pb / pblocks * Mr;
      const int64_t len = std::min(tiles_total * (pb + 1) / pblocks * Mr, positions) - j0, tiles = (len + Mr - 1) / Mr;
      const int64_t q0 = panels * nb / nblocks, q1 = panels * (nb + 1) / nblocks;
      if (gather) {
        build_patches(g, p.in_channels, a.x + n * in_image, j0, len, patches);
      } else if (kernel_rows) {
        build_kernel_row_table<Mr>(g, p.in_channels, a.x + n * in_image, j0, tiles, table,
                                   reinterpret_cast<float*>(table + tiles * Mr * taps));
      } else {
        build_row_table<Mr>(g, c, a.x + n * in_image, j0, tiles, table);
      }
      float* yu = a.y + n * out_image + j0 * m;
      const float* ru = a.residual ? a.residual + n * out_image + j0 * m : nullptr;
      for (int64_t t0 = 0; t0 < taps; t0 += tap_step) {
        const int64_t nt = std::min(tap_step, taps - t0);
        for (int64_t c0 = 0; c0 < c; c0 += c_step) {
          const int64_t cl = std::min(c_step, c - c0);
          const bool first = t0 == 0 && c0 == 0, last = t0 + nt == taps && c0 + cl == c;
          for (int64_t q = q0; q < q1; ++q) {
            const int64_t col = q * kNhwcNr;
            const float* b = a.packed_w + (q * taps + t0) * c * kNhwcNr + c0 * kNhwcNr;
            const int n_cols = static_cast<int>(std::min(kNhwcNr, m - col));
            // The first tile pulls the next panel's block into L2 while it computes.
            const float* next_b = q + 1 < q1 ? b + taps * c * kNhwcNr : nullptr;
            for (int64_t tile = 0; tile < tiles; ++tile) {
              const int64_t row0 = tile * Mr;
              const float* patch_rows[Mr];
              if (gather) {
                for (int i = 0; i < Mr; ++i) patch_rows[i] = row0 + i < len ? patches + (row0 + i) * c : nullptr;
              }
              const float* const* rows = gather ? patch_rows : table + (tile * taps + t0) * Mr;
              const TileOut o{yu + row0 * m + col,
                              m,
                              static_cast<int>(std::min<int64_t>(Mr, len - row0)),
                              n_cols,
                              a.bias ? a.bias + col : nullptr,
                              ru ? ru + row0 * m + col : nullptr,
                              first,
                              last};
              V acc[Mr][2];
              if (n_cols <= Vf::kLanes) {
                igemm_accumulate<Mr, true>(rows, nt, c0, cl, b, c * kNhwcNr, tile == 0 ? next_b : nullptr, acc);
                igemm_store<Mr, true>(acc, o, p.epilogue);
              } else {
                igemm_accumulate<Mr, false>(rows, nt, c0, cl, b, c * kNhwcNr, tile == 0 ? next_b : nullptr, acc);
                igemm_store<Mr, false>(acc, o, p.epilogue);
              }
            }
          }
        }
      }
    }
  });
}

// Runs the tile height that leaves fewer rows of the last tile empty: MrSmall when it
// divides the positions better (resnet's 7x7 maps: 49 = 7 x 7 instead of 56 = 7 x 8; 14x14:
// 196 = 28 x 7 instead of 200). The tile height does not change any element's sum.
template <int Mr, int MrSmall>
void nhwc_conv_pick_mr(const NhwcConvF32Args& a, ThreadPool* pool) {
  const int64_t positions = a.p->geo.out_size();
  const int64_t rows = (positions + Mr - 1) / Mr * Mr, rows_small = (positions + MrSmall - 1) / MrSmall * MrSmall;
  if (rows_small < rows) return nhwc_conv_blocked<MrSmall>(a, pool);
  nhwc_conv_blocked<Mr>(a, pool);
}

}  // namespace
}  // namespace wisp::x86
