// The float32 LSTM / GRU, templated on one ISA's vector type V (rnn_f32_avx2.cpp,
// rnn_f32_avx512.cpp). Internal linkage only, like gemm_f32_driver.hpp.
//
// Per direction:
//  1. The input projection of every step at once: G = X W^T + (Wb + Rb), one GEMM of
//     [seq * batch, input] x [input, gates * hidden] into scratch (threaded by the GEMM).
//     For GRU with linear_before_reset, Rb_h stays out (it is applied inside r (.) (...)).
//  2. Step s advances every batch element still running (s < its sequence_lens entry; a
//     reverse direction reads its own step len - 1 - s) together. The recurrent part R h is
//     a GEMV over R^T packed once in the GEMM's panel layout (Nr = 2 vectors wide,
//     zero-padded past hidden), up to 4 (AVX2: 2) batch rows per pass over a panel, fused with the cell
//     update of the same Nr hidden units: the work is cut into blocks of Nr hidden units,
//     each reading its panel of every gate's R^T, so threads split a step by hidden units
//     with no reduction. Each row's sums are in a fixed order (two partial sums over even
//     and odd k), so results depend neither on the thread count nor on which rows share a
//     pass. h is double buffered (a step reads the old h of every row and writes the new).
//     GRU without linear_before_reset needs r (.) h of all units before the candidate's
//     GEMV, so its step is two passes.
// Every other step walks the blocks and gates backwards: R^T of a hidden-256 LSTM is
// exactly a 1 MiB L2, and a cyclic scan just larger than the cache misses every line under
// LRU; reversing reuses what the previous step left in cache.
// Gate maths and the clip (applied to every activation's input, as the reference does) use
// the vectorised sigmoid / tanh. Nothing is allocated while running; all buffers are in the
// planned scratch (rnn_fast_scratch_floats).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/ref/rnn.hpp"
#include "kernels/x86/rnn_f32.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

// One batch element's buffers for the current step.
struct RnnRow {
  const float* g = nullptr;  // its row of the input projection
  const float* h_in = nullptr;
  float* h_out = nullptr;
  float* c = nullptr;   // LSTM cell state (in place)
  float* zb = nullptr;  // GRU: z between the two passes
  float* rh = nullptr;  // GRU: r (.) h between the two passes
  float* y = nullptr;   // its row of Y, or null
};
static_assert(sizeof(RnnRow) <= 16 * sizeof(float), "rnn_fast_scratch_floats keeps 16 floats per row");

template <class V>
struct RnnF32Driver {
  using R = typename V::R;
  static constexpr int kW = V::kW, kNr = 2 * V::kW;
  // Rows per pass over a panel: 4 x 4 accumulators fit AVX-512's 32 registers, 2 x 4 AVX2's 16.
  static constexpr int kMaxRows = V::kW >= 16 ? 4 : 2;

  const KernelArgs& a;
  const ref::RnnParams& p;
  const GemmF32Impl& impl;
  const RnnF32Packed& packed;
  int64_t H = 0, G = 0, hp = 0, blocks = 0;
  float *gx = nullptr, *bsum = nullptr, *rbh = nullptr;
  RnnRow* rows = nullptr;
  int64_t n_rows = 0;
  ThreadPool* pool = nullptr;  // null when a step is too small to be worth splitting
  bool backwards = false;

  // out[r][0, kNr) = panel^T h[r] over K rows (panel: K x kNr) for kRows rows.
  template <int kRows>
  static void gemv_panel(const float* panel, const float* const* h, int64_t k, float* const* out) {
    R s[kRows][2][2];  // [row][even / odd k][half of the panel]
    for (int r = 0; r < kRows; ++r) s[r][0][0] = s[r][0][1] = s[r][1][0] = s[r][1][1] = V::zero();
    int64_t i = 0;
    for (; i + 2 <= k; i += 2) {
      const float* b = panel + i * kNr;
      const R b00 = V::load(b), b01 = V::load(b + kW), b10 = V::load(b + kNr), b11 = V::load(b + kNr + kW);
      for (int r = 0; r < kRows; ++r) {
        const R h0 = V::set1(h[r][i]), h1 = V::set1(h[r][i + 1]);
        s[r][0][0] = V::fma(h0, b00, s[r][0][0]);
        s[r][0][1] = V::fma(h0, b01, s[r][0][1]);
        s[r][1][0] = V::fma(h1, b10, s[r][1][0]);
        s[r][1][1] = V::fma(h1, b11, s[r][1][1]);
      }
    }
    if (i < k) {
      const float* b = panel + i * kNr;
      for (int r = 0; r < kRows; ++r) {
        const R h0 = V::set1(h[r][i]);
        s[r][0][0] = V::fma(h0, V::load(b), s[r][0][0]);
        s[r][0][1] = V::fma(h0, V::load(b + kW), s[r][0][1]);
      }
    }
    for (int r = 0; r < kRows; ++r) {
      V::store(out[r], V::add(s[r][0][0], s[r][1][0]));
      V::store(out[r] + kW, V::add(s[r][0][1], s[r][1][1]));
    }
  }

  const float* r_panel(int d, int64_t gate, int64_t block) const {
    return packed.r + (d * G + gate) * packed.r_stride + block * H * kNr;
  }
  R clip(R v) const {
    if (!p.has_clip) return v;
    return V::min(V::max(v, V::set1(-p.clip)), V::set1(p.clip));
  }
  template <class Fn>
  void for_blocks(Fn&& fn) {
    parallel_for(pool, blocks, [&](int64_t b0, int64_t b1) {
      if (backwards) {
        for (int64_t blk = b1 - 1; blk >= b0; --blk) fn(blk);
      } else {
        for (int64_t blk = b0; blk < b1; ++blk) fn(blk);
      }
    });
  }
  // Calls fn(offset, lanes) for the vectors of hidden units in block `blk`.
  template <class Fn>
  void for_lanes(int64_t blk, Fn&& fn) const {
    for (int v = 0; v < 2; ++v) {
      const int64_t j = blk * kNr + v * kW;
      if (j >= H) break;
      fn(j, static_cast<int>(std::min<int64_t>(kW, H - j)));
    }
  }
  // gh[q][gate] = gate's panel of block `blk` times the input of rows[r0 + q] (q < count),
  // for the `gates` gates from `first`; `input` picks a row's vector (h_in or rh).
  template <class In>
  void gemv_rows(int d, int64_t blk, int64_t r0, int count, int first, int gates, In input,
                 float (*gh)[4][kNr]) const {
    for (int k = 0; k < gates; ++k) {
      const int gate = first + (backwards ? gates - 1 - k : k);
      const float* panel = r_panel(d, gate, blk);
      const float* h[kMaxRows] = {};
      float* out[kMaxRows] = {};
      for (int q = 0; q < count; ++q) {
        h[q] = input(rows[r0 + q]);
        out[q] = gh[q][gate - first];
      }
      switch (count) {
        case 1: gemv_panel<1>(panel, h, H, out); break;
        case 2: gemv_panel<2>(panel, h, H, out); break;
        case 3:
          if constexpr (kMaxRows >= 3) gemv_panel<3>(panel, h, H, out);
          break;
        default:
          if constexpr (kMaxRows >= 4) gemv_panel<4>(panel, h, H, out);
          break;
      }
    }
  }

  void lstm_step(int d, const float* peep) {
    for_blocks([&](int64_t blk) {
      alignas(64) float gh[kMaxRows][4][kNr];
      for (int64_t r0 = 0; r0 < n_rows; r0 += kMaxRows) {
        const int count = static_cast<int>(std::min<int64_t>(kMaxRows, n_rows - r0));
        gemv_rows(d, blk, r0, count, 0, 4, [](const RnnRow& row) { return row.h_in; }, gh);
        for (int q = 0; q < count; ++q) {
          const RnnRow& row = rows[r0 + q];
          const float* g = row.g;
          for_lanes(blk, [&](int64_t j, int n) {
            const int64_t o = j - blk * kNr;
            const R cv = V::load_n(row.c + j, n);
            R gi = V::add(V::load_n(g + j, n), V::load(gh[q][0] + o));
            R go = V::add(V::load_n(g + H + j, n), V::load(gh[q][1] + o));
            R gf = V::add(V::load_n(g + 2 * H + j, n), V::load(gh[q][2] + o));
            const R gc = V::add(V::load_n(g + 3 * H + j, n), V::load(gh[q][3] + o));
            if (peep) {
              gi = V::fma(V::load_n(peep + j, n), cv, gi);
              gf = V::fma(V::load_n(peep + 2 * H + j, n), cv, gf);
            }
            const R i = V::sigmoid(clip(gi));
            const R f = p.input_forget ? V::sub(V::set1(1.0f), i) : V::sigmoid(clip(gf));
            const R cn = V::fma(f, cv, V::mul(i, V::tanh(clip(gc))));
            if (peep) go = V::fma(V::load_n(peep + H + j, n), cn, go);
            const R hn = V::mul(V::sigmoid(clip(go)), V::tanh(clip(cn)));
            V::store_n(row.c + j, cn, n);
            V::store_n(row.h_out + j, hn, n);
            if (row.y) V::store_n(row.y + j, hn, n);
          });
        }
      }
    });
  }

  // GRU (gates z, r, h).
  void gru_step(int d) {
    const bool lbr = p.linear_before_reset;
    for_blocks([&](int64_t blk) {  // lbr: the whole step; else pass 1: z, and r (.) h
      alignas(64) float gh[kMaxRows][4][kNr];
      for (int64_t r0 = 0; r0 < n_rows; r0 += kMaxRows) {
        const int count = static_cast<int>(std::min<int64_t>(kMaxRows, n_rows - r0));
        gemv_rows(d, blk, r0, count, 0, lbr ? 3 : 2, [](const RnnRow& row) { return row.h_in; }, gh);
        for (int q = 0; q < count; ++q) {
          const RnnRow& row = rows[r0 + q];
          const float* g = row.g;
          for_lanes(blk, [&](int64_t j, int n) {
            const int64_t o = j - blk * kNr;
            const R z = V::sigmoid(clip(V::add(V::load_n(g + j, n), V::load(gh[q][0] + o))));
            const R r = V::sigmoid(clip(V::add(V::load_n(g + H + j, n), V::load(gh[q][1] + o))));
            if (!lbr) {
              V::store_n(row.zb + j, z, n);
              V::store_n(row.rh + j, V::mul(r, V::load_n(row.h_in + j, n)), n);
              return;
            }
            const R lin = V::add(V::load(gh[q][2] + o), V::load_n(rbh + j, n));
            const R cand = V::tanh(clip(V::fma(r, lin, V::load_n(g + 2 * H + j, n))));
            const R hn = V::fma(z, V::sub(V::load_n(row.h_in + j, n), cand), cand);  // (1-z) cand + z h
            V::store_n(row.h_out + j, hn, n);
            if (row.y) V::store_n(row.y + j, hn, n);
          });
        }
      }
    });
    if (lbr) return;
    for_blocks([&](int64_t blk) {  // pass 2: the candidate from R_h (r (.) h), and h
      alignas(64) float gh[kMaxRows][4][kNr];
      for (int64_t r0 = 0; r0 < n_rows; r0 += kMaxRows) {
        const int count = static_cast<int>(std::min<int64_t>(kMaxRows, n_rows - r0));
        gemv_rows(d, blk, r0, count, 2, 1, [](const RnnRow& row) -> const float* { return row.rh; }, gh);
        for (int q = 0; q < count; ++q) {
          const RnnRow& row = rows[r0 + q];
          for_lanes(blk, [&](int64_t j, int n) {
            const R cand = V::tanh(clip(V::add(V::load_n(row.g + 2 * H + j, n), V::load(gh[q][0] + j - blk * kNr))));
            const R hn = V::fma(V::load_n(row.zb + j, n), V::sub(V::load_n(row.h_in + j, n), cand), cand);
            V::store_n(row.h_out + j, hn, n);
            if (row.y) V::store_n(row.y + j, hn, n);
          });
        }
      }
    });
  }

  void run() {
    const auto& in = a.in;
    H = p.hidden;
    G = p.gates;
    hp = (H + kNr - 1) / kNr * kNr;
    blocks = hp / kNr;
    const bool lstm = p.kind == ref::RnnKind::kLstm;
    const int64_t S = p.seq, B = p.batch, D = p.dirs;
    const int64_t gh_cols = G * H;
    // Scratch: rows, projection, bias, Rb_h, then per batch element h (x2), c, z, r (.) h.
    auto* base = static_cast<float*>(a.scratch);
    base += ((64 - reinterpret_cast<uintptr_t>(base) % 64) % 64) / sizeof(float);
    rows = reinterpret_cast<RnnRow*>(base);
    gx = base + 16 * B;
    bsum = gx + S * B * gh_cols;
    rbh = bsum + G * hp;
    float* state = rbh + hp;  // [5][B][hp]
    auto buf = [&](int which, int64_t b) { return state + (which * B + b) * hp; };
    // Splitting a step costs a fork-join; only worth it when the step's GEMV is large.
    pool = a.pool && a.pool->threads() > 1 && G * H * H >= 64 * 1024 ? a.pool : nullptr;

    const float* x = in[0]->as<const float>();
    const float* bias = a.has_in(3) ? in[3]->as<const float>() : nullptr;
    const TensorView* lens = a.has_in(4) ? in[4] : nullptr;
    const float* init_h = a.has_in(5) ? in[5]->as<const float>() : nullptr;
    const float* init_c = lstm && a.has_in(6) ? in[6]->as<const float>() : nullptr;
    const float* peep_all = lstm && a.has_in(7) ? in[7]->as<const float>() : nullptr;
    float* y = a.has_out(0) ? a.out[0]->as<float>() : nullptr;
    float* y_h = a.has_out(1) ? a.out[1]->as<float>() : nullptr;
    float* y_c = lstm && a.has_out(2) ? a.out[2]->as<float>() : nullptr;
    if (y && lens) std::memset(y, 0, static_cast<size_t>(S * D * B * H) * sizeof(float));  // steps past a length stay 0 (size checked at prepare)

    auto x_row = [&](int64_t step, int64_t b) { return p.layout == 0 ? step * B + b : b * S + step; };
    auto y_off = [&](int64_t step, int d, int64_t b) {
      return (p.layout == 0 ? (step * D + d) * B + b : (b * S + step) * D + d) * H;
    };
    auto state_off = [&](int d, int64_t b) { return (p.layout == 0 ? d * B + b : b * D + d) * H; };
    auto len_of = [&](int64_t b) {
      // Validated in rnn_f32_ops.cpp: this file is compiled with ISA flags and must not
      // instantiate the shared (weak) error helpers, or the linker could keep an AVX-512
      // copy of them for every caller (see tests/kernels/isa_objects_test.cmake).
      return lens ? element_as_int(*lens, b) : S;
    };
    int64_t max_len = 0;
    for (int64_t b = 0; b < B; ++b) max_len = std::max(max_len, len_of(b));

    for (int d = 0; d < D; ++d) {
      const bool reverse = p.direction == ref::RnnDirection::kReverse || d == 1;
      const bool rb_apart = p.kind == ref::RnnKind::kGru && p.linear_before_reset;
      const float* bd = bias ? bias + d * 2 * gh_cols : nullptr;
      for (int64_t k = 0; k < gh_cols; ++k) {
        const bool apart = rb_apart && k >= 2 * H;
        bsum[k] = bd ? (apart ? bd[k] : bd[k] + bd[gh_cols + k]) : 0.0f;
        if (apart) rbh[k - 2 * H] = bd ? bd[gh_cols + k] : 0.0f;
      }
      GemmF32Args gm;
      gm.m = S * B;
      gm.n = gh_cols;
      gm.k = p.input;
      gm.a = x;
      gm.a_rs = p.input;
      gm.packed_b = packed.w + d * packed.w_stride;
      gm.c = gx;
      gm.ldc = gh_cols;
      gm.bias = bsum;
      gm.bias_rs = 0;
      gm.bias_cs = 1;
      impl.gemm(gm, a.pool);

      const float* peep = peep_all ? peep_all + d * 3 * H : nullptr;
      // Buffers 0 and 1 alternate as h_in / h_out (the same for every row); 2: c, 3: z, 4: r (.) h.
      int cur = 0;
      auto finish = [&](int64_t b, const float* h) {
        if (y_h) std::memcpy(y_h + state_off(d, b), h, sizeof(float) * H);
        if (y_c) std::memcpy(y_c + state_off(d, b), buf(2, b), sizeof(float) * H);
      };
      for (int64_t b = 0; b < B; ++b) {
        for (int64_t j = 0; j < H; ++j) {
          buf(0, b)[j] = init_h ? init_h[state_off(d, b) + j] : 0.0f;
          buf(2, b)[j] = init_c ? init_c[state_off(d, b) + j] : 0.0f;
        }
        if (len_of(b) == 0) finish(b, buf(0, b));
      }
      backwards = false;
      for (int64_t s = 0; s < max_len; ++s) {
        n_rows = 0;
        for (int64_t b = 0; b < B; ++b) {
          const int64_t len = len_of(b);
          if (s >= len) continue;
          const int64_t step = reverse ? len - 1 - s : s;
          RnnRow& row = rows[n_rows++];
          row.g = gx + x_row(step, b) * gh_cols;
          row.h_in = buf(cur, b);
          row.h_out = buf(1 - cur, b);
          row.c = buf(2, b);
          row.zb = buf(3, b);
          row.rh = buf(4, b);
          row.y = y ? y + y_off(step, d, b) : nullptr;
        }
        if (lstm) lstm_step(d, peep);
        else gru_step(d);
        for (int64_t b = 0; b < B; ++b)
          if (len_of(b) == s + 1) finish(b, buf(1 - cur, b));
        cur = 1 - cur;
        backwards = !backwards;
      }
    }
  }
};

}  // namespace
}  // namespace wisp::x86
