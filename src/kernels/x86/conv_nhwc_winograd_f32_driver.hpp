// Winograd F(2x2, 3x3) NhwcConv driver (conv_nhwc_winograd_f32.hpp says when it applies),
// templated on the microkernel height and included only by the ISA files, like
// conv_nhwc_f32_driver.hpp, whose microkernel (igemm_accumulate / igemm_store) it reuses.
//
//   U = G g G^T   (4x4 per (m, c), at pack time)    G   = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   V = B^T d B   (4x4 per (tile, c), per run)      B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//   M[xi] = V[xi] x U[xi]  for the 16 positions xi (GEMMs [tiles x C] x [C x M])
//   Y = A^T M A + bias + residual, activation       A^T = [1 1 1 0; 0 1 -1 -1]
//
// Tile (ty, tx) covers outputs (2ty..2ty+1, 2tx..2tx+1) and reads inputs rows
// 2ty - pad_top .. +3, columns 2tx - pad_left .. +3 (zero outside the image; outputs past
// OH / OW are computed on zeros and not stored), so any padding, odd H / W and maps
// smaller than a tile need no special case.
//
// Work: units of (block of tb tiles counted across all images, group of M panels). A unit
// transforms its block's input (all C) into V [16][tb][C] in its slot, runs the 16 GEMMs
// for its panels into [16][tb][M] (K in slices of at most kNhwcKc channels: the first
// slice stores, later ones add, as the direct driver), then the output transform with the
// bias + residual + activation epilogue for its channels. tb depends on C and M only
// (nhwc_winograd_tile_block), and the panel split only chooses which unit computes a
// channel, never how: results are bit-identical for any thread count. M panels are split
// only when there are too few tile blocks for the threads (resnet's 512@7: 16 tiles).
// The residual is read element by element just before Y's element is written, so Y may
// share its memory.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/x86/conv_nhwc_f32_driver.hpp"
#include "kernels/x86/conv_nhwc_winograd_f32.hpp"

namespace wisp::x86 {
namespace {

inline V wino_sub(V a, V b) { return Vf::fma(b, Vf::set(-1.0f), a); }  // exactly a - b

template <int64_t Nr>
void pack_winograd_weights(int64_t m, int64_t c, const float* w, float* out) {
  // U[xi][m][c] in the [m][c][taps] order pack_nhwc_weights takes, with one "tap".
  std::vector<float> u(static_cast<size_t>(16 * m * c));
  for (int64_t mi = 0; mi < m; ++mi)
    for (int64_t ci = 0; ci < c; ++ci) {
      const float* g = w + (mi * c + ci) * 9;
      float gg[4][3];  // G g
      for (int j = 0; j < 3; ++j) {
        gg[0][j] = g[j];
        gg[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
        gg[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
        gg[3][j] = g[6 + j];
      }
      for (int i = 0; i < 4; ++i) {  // (G g) G^T
        const float r[4] = {gg[i][0], 0.5f * (gg[i][0] + gg[i][1] + gg[i][2]),
                            0.5f * (gg[i][0] - gg[i][1] + gg[i][2]), gg[i][2]};
        for (int j = 0; j < 4; ++j) u[static_cast<size_t>(((i * 4 + j) * m + mi) * c + ci)] = r[j];
      }
    }
  const int64_t per = (m + Nr - 1) / Nr * Nr * c;
  for (int64_t xi = 0; xi < 16; ++xi) pack_nhwc_weights<Nr>(m, c, 1, u.data() + xi * m * c, out + xi * per);
}

// Input transform of tiles [t0, t0 + count) (global tile index) into v[(xi * tb + t) * C].
inline void winograd_input_transform(const ref::ConvParams& p, const float* x, int64_t t0, int64_t count,
                                     int64_t tb, float* v) {
  const ref::WindowGeometry& g = p.geo;
  const int64_t c = p.in_channels, h = g.in[1], w = g.in[2];
  const int64_t tw = (g.out[2] + 1) / 2, per_image = (g.out[1] + 1) / 2 * tw;
  for (int64_t t = 0; t < count; ++t) {
    const int64_t tile = t0 + t, n = tile / per_image, r = tile % per_image;
    const int64_t ih0 = r / tw * 2 - g.pad_begin[1], iw0 = r % tw * 2 - g.pad_begin[2];
    const float* xn = x + n * h * w * c;
    const float* rows[4][4];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const int64_t ih = ih0 + i, iw = iw0 + j;
        rows[i][j] = ih >= 0 && ih < h && iw >= 0 && iw < w ? xn + (ih * w + iw) * c : nullptr;
      }
    float* vt = v + t * c;
    for (int64_t c0 = 0; c0 < c; c0 += Vf::kLanes) {
      const bool full = c - c0 >= Vf::kLanes;
      const Vf::Mask mask = Vf::mask(c - c0);
      V d[4][4];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          d[i][j] = !rows[i][j] ? Vf::set(0.0f) : full ? Vf::load(rows[i][j] + c0) : Vf::load(rows[i][j] + c0, mask);
      V s[4][4];  // B^T d
      for (int j = 0; j < 4; ++j) {
        s[0][j] = wino_sub(d[0][j], d[2][j]);
        s[1][j] = Vf::add(d[1][j], d[2][j]);
        s[2][j] = wino_sub(d[2][j], d[1][j]);
        s[3][j] = wino_sub(d[1][j], d[3][j]);
      }
      for (int i = 0; i < 4; ++i) {  // (B^T d) B
        const V o[4] = {wino_sub(s[i][0], s[i][2]), Vf::add(s[i][1], s[i][2]), wino_sub(s[i][2], s[i][1]),
                        wino_sub(s[i][1], s[i][3])};
        for (int j = 0; j < 4; ++j) {
          float* dst = vt + (i * 4 + j) * tb * c + c0;
          if (full) {
            Vf::store(dst, o[j]);
          } else {
            Vf::store(dst, o[j], mask);
          }
        }
      }
    }
  }
}

// Output transform of tiles [t0, t0 + count) for channels [m0, m1) from mm[(xi * tb + t) * M].
inline void winograd_output_transform(const ref::ConvParams& p, const NhwcConvF32Args& a, const float* mm,
                                      int64_t t0, int64_t count, int64_t tb, int64_t m0, int64_t m1) {
  const ref::WindowGeometry& g = p.geo;
  const int64_t m = p.out_channels, oh_n = g.out[1], ow_n = g.out[2];
  const int64_t tw = (ow_n + 1) / 2, per_image = (oh_n + 1) / 2 * tw;
  using Act = ref::EpilogueAct;
  const ref::Epilogue& e = p.epilogue;
  const bool relu = e.act == Act::kRelu, clip = e.act == Act::kClip;
  const bool other = !relu && !clip && e.act != Act::kNone;
  const V lo = Vf::set(clip ? e.alpha : 0.0f), hi = Vf::set(clip ? e.beta : 0.0f);
  for (int64_t t = 0; t < count; ++t) {
    const int64_t tile = t0 + t, n = tile / per_image, r = tile % per_image;
    const int64_t oh0 = r / tw * 2, ow0 = r % tw * 2;
    float* out[4];
    const float* res[4];
    for (int k = 0; k < 4; ++k) {
      const int64_t oh = oh0 + k / 2, ow = ow0 + k % 2;
      const bool live = oh < oh_n && ow < ow_n;
      const int64_t off = ((n * oh_n + oh) * ow_n + ow) * m;
      out[k] = live ? a.y + off : nullptr;
      res[k] = live && a.residual ? a.residual + off : nullptr;
    }
    const float* mt = mm + t * m;
    for (int64_t c0 = m0; c0 < m1; c0 += Vf::kLanes) {
      const bool full = m1 - c0 >= Vf::kLanes;
      const Vf::Mask mask = Vf::mask(m1 - c0);
      auto load = [&](const float* q) { return full ? Vf::load(q) : Vf::load(q, mask); };
      V s[2][4];  // A^T M
      for (int j = 0; j < 4; ++j) {
        const V m0v = load(mt + j * tb * m + c0), m1v = load(mt + (4 + j) * tb * m + c0);
        const V m2v = load(mt + (8 + j) * tb * m + c0), m3v = load(mt + (12 + j) * tb * m + c0);
        s[0][j] = Vf::add(Vf::add(m0v, m1v), m2v);
        s[1][j] = wino_sub(wino_sub(m1v, m2v), m3v);
      }
      V y[4];  // (A^T M) A, outputs (0,0) (0,1) (1,0) (1,1)
      for (int i = 0; i < 2; ++i) {
        y[2 * i] = Vf::add(Vf::add(s[i][0], s[i][1]), s[i][2]);
        y[2 * i + 1] = wino_sub(wino_sub(s[i][1], s[i][2]), s[i][3]);
      }
      const V bias = a.bias ? load(a.bias + c0) : Vf::set(0.0f);
      for (int k = 0; k < 4; ++k) {
        if (!out[k]) continue;
        V v = a.bias ? Vf::add(y[k], bias) : y[k];
        if (res[k]) v = Vf::add(v, load(res[k] + c0));
        if (relu) v = Vf::max(v, lo);
        if (clip) v = Vf::min(Vf::max(v, lo), hi);
        if (full) {
          Vf::store(out[k] + c0, v);
        } else {
          Vf::store(out[k] + c0, v, mask);
        }
      }
    }
    if (other)
      for (int k = 0; k < 4; ++k)
        if (out[k]) act_row(out[k] + m0, m1 - m0, e);
  }
}

template <int Mr>
void nhwc_winograd_conv(const NhwcConvF32Args& a, float* scratch, int slots, ThreadPool* pool) {
  const ref::ConvParams& p = *a.p;
  const ref::WindowGeometry& g = p.geo;
  const int64_t c = p.in_channels, m = p.out_channels;
  const int64_t tiles = p.batch * ((g.out[1] + 1) / 2) * ((g.out[2] + 1) / 2);
  const int64_t tb = nhwc_winograd_tile_block(c, m), slot_floats = nhwc_winograd_slot_floats(c, m);
  const int64_t blocks = (tiles + tb - 1) / tb, panels = (m + kNhwcNr - 1) / kNhwcNr;
  const int64_t per_xi = panels * kNhwcNr * c;  // packed floats of one U[xi]
  const int64_t threads = std::min<int64_t>(pool ? pool->threads() : 1, slots);
  int64_t panels_per_unit = panels;
  if (threads > 1 && blocks < 2 * threads) {
    const int64_t want = std::min(panels, (2 * threads + blocks - 1) / blocks);
    panels_per_unit = (panels + want - 1) / want;
  }
  const int64_t groups = (panels + panels_per_unit - 1) / panels_per_unit, units = blocks * groups;
  const int64_t nslots = std::max<int64_t>(1, std::min(threads, units));
  // K slices of at most kNhwcKc channels (the microkernel's zero row is that long).
  const int64_t slices = (c + kNhwcKc - 1) / kNhwcKc, c_step = (c + slices - 1) / slices;
  const ref::Epilogue none{};
  parallel_for(pool, nslots, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      float* v = scratch + s * slot_floats;
      float* mm = v + 16 * tb * c;
      for (int64_t u = units * s / nslots; u < units * (s + 1) / nslots; ++u) {
        const int64_t b = u / groups, grp = u % groups;
        const int64_t t0 = b * tb, count = std::min(tb, tiles - t0);
        const int64_t q0 = grp * panels_per_unit, q1 = std::min(panels, q0 + panels_per_unit);
        // The transform is redone by each panel group of a block: 16 x C adds per tile
        // against 16 x C x (group's channels) MACs.
        winograd_input_transform(p, a.x, t0, count, tb, v);
        for (int64_t xi = 0; xi < 16; ++xi) {
          const float* vx = v + xi * tb * c;
          float* mx = mm + xi * tb * m;
          for (int64_t c0 = 0; c0 < c; c0 += c_step) {
            const int64_t cl = std::min(c_step, c - c0);
            for (int64_t q = q0; q < q1; ++q) {
              const int64_t col = q * kNhwcNr;
              const int n_cols = static_cast<int>(std::min(kNhwcNr, m - col));
              const float* bw = a.packed_w + xi * per_xi + q * c * kNhwcNr + c0 * kNhwcNr;
              for (int64_t row0 = 0; row0 < count; row0 += Mr) {
                const float* rows[Mr];
                for (int i = 0; i < Mr; ++i) rows[i] = row0 + i < count ? vx + (row0 + i) * c : nullptr;
                const TileOut o{mx + row0 * m + col,
                                m,
                                static_cast<int>(std::min<int64_t>(Mr, count - row0)),
                                n_cols,
                                nullptr,
                                nullptr,
                                c0 == 0,
                                false};
                V acc[Mr][2];
                if (n_cols <= Vf::kLanes) {
                  igemm_accumulate<Mr, true>(rows, 1, c0, cl, bw, 0, nullptr, acc);
                  igemm_store<Mr, true>(acc, o, none);
                } else {
                  igemm_accumulate<Mr, false>(rows, 1, c0, cl, bw, 0, nullptr, acc);
                  igemm_store<Mr, false>(acc, o, none);
                }
              }
            }
          }
        }
        winograd_output_transform(p, a, mm, t0, count, tb, q0 * kNhwcNr, std::min(m, q1 * kNhwcNr));
      }
    }
  });
}

}  // namespace
}  // namespace wisp::x86
