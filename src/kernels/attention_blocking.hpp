// How the SIMD Attention kernels (kernels/x86/attention_f32_*) cut the work, shared with
// the op's infer (ir/ops/attention.cpp) so the planned scratch matches what they use.
//
// A unit of work is (batch entry, block of query rows). Each thread owns one scratch slot
// holding K^T and V of the batch entry it works on, packed as GEMM B panels, and the
// block's scores [rows, Sk]: the [Sq, Sk] score matrix never exists. The block size
// depends only on Sk (never on the thread count), so every unit computes the same way
// whatever thread runs it.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/checked_math.hpp"

namespace wisp {

// Query rows per unit: a multiple of 8 (whole AVX-512 microkernel rows; AVX2's 6-row
// slivers lose at most one partial sliver), at most kAttentionMaxRows, and fewer only when
// the scores block would pass 256 KiB (Sk > 2048), never below 8.
inline constexpr int64_t kAttentionMaxRows = 32;
inline int64_t attention_block_rows(int64_t sk) {
  return std::clamp<int64_t>(65536 / std::max<int64_t>(sk, 1) / 8 * 8, 8, kAttentionMaxRows);
}

// Widest GEMM panel any x86 impl packs B into (AVX-512: 32 columns); packed sizes are
// bounded with it so infer need not know which ISA will run.
inline constexpr int64_t kAttentionMaxNr = 64;

inline int64_t attention_round16(int64_t floats) { return (floats + 15) / 16 * 16; }

// One thread's slot: packed K^T (D x Sk), packed V (Sk x Dv) and the scores block, each
// starting 64-byte aligned (offsets in floats).
struct AttentionSlot {
  int64_t k_off = 0, v_off = 0, s_off = 0, floats = 0;
};
inline AttentionSlot attention_slot(int64_t sk, int64_t d, int64_t dv) {
  const int64_t pk = checked_mul((sk + kAttentionMaxNr - 1) / kAttentionMaxNr * kAttentionMaxNr, d);
  const int64_t pv = checked_mul((dv + kAttentionMaxNr - 1) / kAttentionMaxNr * kAttentionMaxNr, sk);
  const int64_t sc = checked_mul(attention_block_rows(sk), sk);
  AttentionSlot s;
  s.v_off = attention_round16(pk);
  s.s_off = checked_add(s.v_off, attention_round16(pv));
  s.floats = checked_add(s.s_off, attention_round16(sc));
  return s;
}

}  // namespace wisp
