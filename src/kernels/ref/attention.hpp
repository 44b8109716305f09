// Attention (com.wisp), float32: for every batch entry b (the leading dims, NumPy-broadcast
// between Q, K, V and the mask),
//
//   Y[b] = softmax_rows(scale * Q[b] K[b]^T + mask[b]) V[b]
//
// Q [..., Sq, D]; input 1 is K^T [..., D, Sk] (k_transposed, MatMul's B as exported) or K
// [..., Sk, D]; V [..., Sk, Dv]; mask (optional) broadcastable to [..., Sq, Sk]; Y [..., Sq, Dv].
// Q, K(^T), V may be read through a permutation of their input (q_perm...: the head
// Transposes of an exported attention) and Y written through one (y_perm), so every
// operand is addressed through element strides filled in at infer (0 along a broadcast
// dim); kernels never look at shapes. Y's last axis is always contiguous.
#pragma once
#include <cstdint>

#include "core/shape.hpp"

namespace wisp::ref {

struct AttentionParams {
  int64_t sq = 0, sk = 0, d = 0, dv = 0;
  float scale = 1.0f;
  // Batch dims of Y and, per operand, the stride of each (0 where it broadcasts).
  int batch_rank = 0;
  int64_t batch[kMaxRank] = {};
  int64_t q_stride[kMaxRank] = {}, k_stride[kMaxRank] = {}, v_stride[kMaxRank] = {}, m_stride[kMaxRank] = {},
          y_stride[kMaxRank] = {};
  int64_t batch_count = 1;
  // Within one batch entry: Q(i, e) = q[i * q_rs + e * q_cs], K(j, e) = k[j * k_rs + e * k_cs],
  // V(j, e) = v[j * v_rs + e * v_cs], Y(i, e) = y[i * y_rs + e].
  int64_t q_rs = 0, q_cs = 1, k_rs = 0, k_cs = 1, v_rs = 0, v_cs = 1, y_rs = 0;
  bool has_mask = false;
  int64_t mask_rs = 0, mask_cs = 0;  // mask(i, j) = m[i * mask_rs + j * mask_cs]: Sk or 0, 1 or 0
};

struct AttentionOffsets {
  int64_t q = 0, k = 0, v = 0, m = 0, y = 0;
};

// Element offsets of batch entry `b` (0 <= b < batch_count) in each operand.
inline AttentionOffsets attention_offsets(const AttentionParams& p, int64_t b) {
  AttentionOffsets o;
  for (int d = p.batch_rank - 1; d >= 0; --d) {
    const int64_t i = b % p.batch[d];
    b /= p.batch[d];
    o.q += i * p.q_stride[d];
    o.k += i * p.k_stride[d];
    o.v += i * p.v_stride[d];
    o.m += i * p.m_stride[d];
    o.y += i * p.y_stride[d];
  }
  return o;
}

// Floats of scratch the reference kernel needs (one row of scores).
inline int64_t attention_ref_scratch_floats(const AttentionParams& p) { return p.sk; }

// The reference: one query row at a time, scores in `row` (Sk floats). mask may be null.
void attention_f32(const AttentionParams& p, const float* q, const float* k, const float* v, const float* mask,
                   float* y, float* row);

}  // namespace wisp::ref
