// The float32 LSTM / GRU, templated on one ISA's vector type V (rnn_f32_avx2.cpp,
// rnn_f32_avx512.cpp). Internal linkage only, like gemm_f32_driver.hpp.
//
// Per direction:
//  1. The input projection of every step at once: G = X W^T + (Wb + Rb), one GEMM of
//     [seq * batch, input] x [input, gates * hidden] into scratch (threaded by the GEMM).
//     For GRU with linear_before_reset, Rb_h stays out (it is applied inside r (.) (...)).
//  2. Per batch element, per step: the recurrent part R h as a GEMV over R^T packed once in
//     the GEMM's panel layout (Nr = 2 vectors wide, zero-padded past hidden), fused with the
//     cell update of the same Nr hidden units: the work is cut into blocks of Nr hidden units,
//     each block reading its panel of every gate's R^T, so threads split a step by hidden
//     units with no reduction and results do not depend on the thread count. h is double
//     buffered (a step reads the old h everywhere and writes the new one). GRU without
//     linear_before_reset needs r (.) h of all units before the candidate's GEMV, so its
//     step is two passes.
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

template <class V>
struct RnnF32Driver {
  using R = typename V::R;
  static constexpr int kW = V::kW, kNr = 2 * V::kW;

  const KernelArgs& a;
  const ref::RnnParams& p;
  const GemmF32Impl& impl;
  const RnnF32Packed& packed;
  int64_t H = 0, G = 0, hp = 0, blocks = 0;
  float *gx = nullptr, *bsum = nullptr, *h0 = nullptr, *h1 = nullptr, *c = nullptr, *zb = nullptr, *rh = nullptr,
        *rbh = nullptr;
  ThreadPool* pool = nullptr;  // null when a step is too small to be worth splitting
  // Walk the blocks (and gates) backwards on every other step. R^T of a hidden-256 LSTM is
  // exactly the size of a 1 MiB L2, and a cyclic scan of slightly more than the cache
  // misses every line under LRU; reversing the order reuses what the last step left in
  // cache. Each block's arithmetic is the same in either order.
  bool backwards = false;

  // out[0, kNr) = panel^T h over K rows (panel: K x kNr). Four partial sums hide the FMA
  // latency; they are added in a fixed order.
  static void gemv_panel(const float* panel, const float* h, int64_t k, float* out) {
    R s0[4], s1[4];
    for (int u = 0; u < 4; ++u) s0[u] = s1[u] = V::zero();
    int64_t i = 0;
    for (; i + 4 <= k; i += 4) {
#pragma GCC unroll 4
      for (int u = 0; u < 4; ++u) {
        const R hv = V::set1(h[i + u]);
        s0[u] = V::fma(hv, V::load(panel + (i + u) * kNr), s0[u]);
        s1[u] = V::fma(hv, V::load(panel + (i + u) * kNr + kW), s1[u]);
      }
    }
    for (; i < k; ++i) {
      const R hv = V::set1(h[i]);
      s0[0] = V::fma(hv, V::load(panel + i * kNr), s0[0]);
      s1[0] = V::fma(hv, V::load(panel + i * kNr + kW), s1[0]);
    }
    V::store(out, V::add(V::add(s0[0], s0[1]), V::add(s0[2], s0[3])));
    V::store(out + kW, V::add(V::add(s1[0], s1[1]), V::add(s1[2], s1[3])));
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

  // One LSTM step: h_in -> h_out, c in place; y (may be null) gets h_out.
  void lstm_step(int d, const float* g, const float* peep, const float* h_in, float* h_out, float* y) {
    for_blocks([&](int64_t blk) {
      alignas(64) float gh[4][kNr];
      for (int k = 0; k < 4; ++k) {
        const int gate = backwards ? 3 - k : k;
        gemv_panel(r_panel(d, gate, blk), h_in, H, gh[gate]);
      }
      for_lanes(blk, [&](int64_t j, int n) {
        const int64_t o = j - blk * kNr;
        const R cv = V::load_n(c + j, n);
        R gi = V::add(V::load_n(g + j, n), V::load(gh[0] + o));
        R go = V::add(V::load_n(g + H + j, n), V::load(gh[1] + o));
        R gf = V::add(V::load_n(g + 2 * H + j, n), V::load(gh[2] + o));
        const R gc = V::add(V::load_n(g + 3 * H + j, n), V::load(gh[3] + o));
        if (peep) {
          gi = V::fma(V::load_n(peep + j, n), cv, gi);
          gf = V::fma(V::load_n(peep + 2 * H + j, n), cv, gf);
        }
        const R i = V::sigmoid(clip(gi));
        const R f = p.input_forget ? V::sub(V::set1(1.0f), i) : V::sigmoid(clip(gf));
        const R cn = V::fma(f, cv, V::mul(i, V::tanh(clip(gc))));
        if (peep) go = V::fma(V::load_n(peep + H + j, n), cn, go);
        const R hn = V::mul(V::sigmoid(clip(go)), V::tanh(clip(cn)));
        V::store_n(c + j, cn, n);
        V::store_n(h_out + j, hn, n);
        if (y) V::store_n(y + j, hn, n);
      });
    });
  }

  // One GRU step (gates z, r, h): h_in -> h_out; y (may be null) gets h_out.
  void gru_step(int d, const float* g, const float* h_in, float* h_out, float* y) {
    if (p.linear_before_reset) {
      for_blocks([&](int64_t blk) {
        alignas(64) float gh[3][kNr];
        for (int k = 0; k < 3; ++k) {
          const int gate = backwards ? 2 - k : k;
          gemv_panel(r_panel(d, gate, blk), h_in, H, gh[gate]);
        }
        for_lanes(blk, [&](int64_t j, int n) {
          const int64_t o = j - blk * kNr;
          const R z = V::sigmoid(clip(V::add(V::load_n(g + j, n), V::load(gh[0] + o))));
          const R r = V::sigmoid(clip(V::add(V::load_n(g + H + j, n), V::load(gh[1] + o))));
          const R lin = V::add(V::load(gh[2] + o), V::load_n(rbh + j, n));
          const R cand = V::tanh(clip(V::fma(r, lin, V::load_n(g + 2 * H + j, n))));
          const R hn = V::fma(z, V::sub(V::load_n(h_in + j, n), cand), cand);  // (1-z) cand + z h
          V::store_n(h_out + j, hn, n);
          if (y) V::store_n(y + j, hn, n);
        });
      });
      return;
    }
    for_blocks([&](int64_t blk) {  // pass 1: z, and r (.) h
      alignas(64) float gh[2][kNr];
      for (int gate = 0; gate < 2; ++gate) gemv_panel(r_panel(d, gate, blk), h_in, H, gh[gate]);
      for_lanes(blk, [&](int64_t j, int n) {
        const int64_t o = j - blk * kNr;
        const R z = V::sigmoid(clip(V::add(V::load_n(g + j, n), V::load(gh[0] + o))));
        const R r = V::sigmoid(clip(V::add(V::load_n(g + H + j, n), V::load(gh[1] + o))));
        V::store_n(zb + j, z, n);
        V::store_n(rh + j, V::mul(r, V::load_n(h_in + j, n)), n);
      });
    });
    for_blocks([&](int64_t blk) {  // pass 2: the candidate from R_h (r (.) h), and h
      alignas(64) float gh[kNr];
      gemv_panel(r_panel(d, 2, blk), rh, H, gh);
      for_lanes(blk, [&](int64_t j, int n) {
        const R cand = V::tanh(clip(V::add(V::load_n(g + 2 * H + j, n), V::load(gh + j - blk * kNr))));
        const R hn = V::fma(V::load_n(zb + j, n), V::sub(V::load_n(h_in + j, n), cand), cand);
        V::store_n(h_out + j, hn, n);
        if (y) V::store_n(y + j, hn, n);
      });
    });
  }

  void run() {
    const auto& in = a.in;
    H = p.hidden;
    G = p.gates;
    hp = (H + kNr - 1) / kNr * kNr;
    blocks = hp / kNr;
    const bool lstm = p.kind == ref::RnnKind::kLstm;
    const int64_t rows = p.seq * p.batch, gh_cols = G * H;
    auto* base = static_cast<float*>(a.scratch);
    base += ((64 - reinterpret_cast<uintptr_t>(base) % 64) % 64) / sizeof(float);
    gx = base;
    bsum = gx + rows * gh_cols;
    h0 = bsum + G * hp;
    h1 = h0 + hp;
    c = h1 + hp;
    zb = c + hp;
    rh = zb + hp;
    rbh = rh + hp;
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
    if (y && lens) std::memset(y, 0, static_cast<size_t>(a.out[0]->bytes()));  // steps past a length stay 0

    const int64_t S = p.seq, B = p.batch, D = p.dirs;
    auto x_row = [&](int64_t step, int64_t b) { return p.layout == 0 ? step * B + b : b * S + step; };
    auto y_off = [&](int64_t step, int d, int64_t b) {
      return (p.layout == 0 ? (step * D + d) * B + b : (b * S + step) * D + d) * H;
    };
    auto state_off = [&](int d, int64_t b) { return (p.layout == 0 ? d * B + b : b * D + d) * H; };

    for (int d = 0; d < D; ++d) {
      const bool reverse = p.direction == ref::RnnDirection::kReverse || d == 1;
      // Bias of the input projection; GRU with linear_before_reset keeps Rb_h apart.
      const bool rb_apart = p.kind == ref::RnnKind::kGru && p.linear_before_reset;
      for (int64_t k = 0; k < gh_cols; ++k) {
        const float* bd = bias ? bias + d * 2 * gh_cols : nullptr;
        const bool apart = rb_apart && k >= 2 * H;
        bsum[k] = bd ? (apart ? bd[k] : bd[k] + bd[gh_cols + k]) : 0.0f;
        if (apart) rbh[k - 2 * H] = bd ? bd[gh_cols + k] : 0.0f;
      }
      GemmF32Args gm;
      gm.m = rows;
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
      for (int64_t b = 0; b < B; ++b) {
        const int64_t len = lens ? element_as_int(*lens, b) : S;
        WISP_CHECK(len >= 0 && len <= S, ErrorCode::kOutOfRange, "RNN: sequence_lens[", b, "] = ", len,
                   " is outside [0, ", S, "]");
        float* h_in = h0;
        float* h_out = h1;
        for (int64_t j = 0; j < H; ++j) {
          h_in[j] = init_h ? init_h[state_off(d, b) + j] : 0.0f;
          c[j] = init_c ? init_c[state_off(d, b) + j] : 0.0f;
        }
        for (int64_t s = 0; s < len; ++s) {
          const int64_t step = reverse ? len - 1 - s : s;
          const float* g = gx + x_row(step, b) * gh_cols;
          float* yr = y ? y + y_off(step, d, b) : nullptr;
          if (lstm) lstm_step(d, g, peep, h_in, h_out, yr);
          else gru_step(d, g, h_in, h_out, yr);
          std::swap(h_in, h_out);
          backwards = !backwards;
        }
        if (y_h) std::memcpy(y_h + state_off(d, b), h_in, sizeof(float) * H);
        if (y_c) std::memcpy(y_c + state_off(d, b), c, sizeof(float) * H);
      }
    }
  }
};

}  // namespace
}  // namespace wisp::x86
