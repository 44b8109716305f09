// float32 Attention, Y = softmax(scale Q K^T + mask) V, templated on one ISA's vector type
// (vec_math_*.hpp Vec); included by attention_f32_avx2.cpp / _avx512.cpp only.
//
// Flash-attention-like blocking without the online softmax: the work is cut into units of
// (batch entry, block of query rows) (kernels/attention_blocking.hpp). For a unit, the
// scores block S = scale Q_blk K^T + mask is one GEMM (kernels/x86/gemm_f32.hpp; scale and
// mask ride on the GEMM's alpha and strided bias, mask strides 0 where it broadcasts) into
// the thread's scratch slot, each row is soft-maxed in place (the Softmax kernel's vector
// row code), and Y_blk = S V is a second GEMM written straight into Y. Whole rows of Sk
// scores fit the slot, so no running max/rescale is needed and each row is exactly the
// Softmax kernel's computation. K^T and V of the current batch entry are packed as GEMM B
// panels once per thread and entry (a thread's units are contiguous, batch-major, so
// that is once per entry it touches). Threads take contiguous ranges of units
// (ThreadPool::chunk); a unit's arithmetic does not depend on which thread runs it, so
// results are bit-identical for any thread count. The [Sq, Sk] score matrix never exists.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/x86/attention_f32.hpp"
#include "kernels/x86/softmax_f32_driver.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

template <class V>
void attention_f32_run(const AttentionF32Args& a, ThreadPool* pool) {
  const ref::AttentionParams& p = *a.p;
  const GemmF32Impl& impl = *a.gemm;
  if (p.batch_count == 0 || p.sq == 0 || p.dv == 0) return;
  const int64_t rows = a.block_rows;
  const int64_t blocks = (p.sq + rows - 1) / rows;
  const int64_t units = p.batch_count * blocks;
  const AttentionSlot& slot = a.slot;
  const int threads = static_cast<int>(std::min<int64_t>({pool ? pool->threads() : 1, a.slots, units}));
  parallel_for(threads > 1 ? pool : nullptr, threads, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      int64_t u0 = 0, u1 = 0;
      ThreadPool::chunk(units, threads, static_cast<int>(t), u0, u1);
      float* base = a.scratch + t * slot.floats;
      float* packed_k = base + slot.k_off;
      float* packed_v = base + slot.v_off;
      float* scores = base + slot.s_off;
      int64_t packed_k_at = -1, packed_v_at = -1;  // offsets of the entry's K / V now packed
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t b = u / blocks, i0 = u % blocks * rows, m = std::min(rows, p.sq - i0);
        const ref::AttentionOffsets o = ref::attention_offsets(p, b);
        if (o.k != packed_k_at) {  // B = K^T: B(e, j) = K(j, e)
          impl.pack_b(p.d, p.sk, a.k + o.k, p.k_cs, p.k_rs, packed_k);
          packed_k_at = o.k;
        }
        if (o.v != packed_v_at) {
          impl.pack_b(p.sk, p.dv, a.v + o.v, p.v_rs, p.v_cs, packed_v);
          packed_v_at = o.v;
        }
        GemmF32Args s;  // scores = scale * Q_blk K^T + mask_blk
        s.m = m;
        s.n = p.sk;
        s.k = p.d;
        s.a = a.q + o.q + i0 * p.q_rs;
        s.a_rs = p.q_rs;
        s.a_cs = p.q_cs;
        s.packed_b = packed_k;
        s.c = scores;
        s.ldc = p.sk;
        s.alpha = p.scale;
        if (a.mask) {
          s.bias = a.mask + o.m + i0 * p.mask_rs;
          s.bias_rs = p.mask_rs;
          s.bias_cs = p.mask_cs;
        }
        impl.gemm(s, nullptr);
        for (int64_t r = 0; r < m; ++r) SoftmaxF32<V>::row(scores + r * p.sk, scores + r * p.sk, p.sk);
        GemmF32Args y;  // Y_blk = P_blk V
        y.m = m;
        y.n = p.dv;
        y.k = p.sk;
        y.a = scores;
        y.a_rs = p.sk;
        y.packed_b = packed_v;
        y.c = a.y + o.y + i0 * p.y_rs;
        y.ldc = p.y_rs;
        impl.gemm(y, nullptr);
      }
    }
  });
}

}  // namespace
}  // namespace wisp::x86
