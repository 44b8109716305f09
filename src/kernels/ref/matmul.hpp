// Params for MatMul, MatMulInteger and QLinearMatMul: NumPy matmul semantics.
// A [..., M, K] x B [..., K, N] -> [..., M, N], batch dims broadcast; a 1-D A is [1, K]
// and a 1-D B is [K, 1] with that dim dropped from the output (done at infer).
#pragma once
#include <cstdint>
#include <memory>

#include "core/shape.hpp"

namespace wisp {
struct PackedWeights;
}

namespace wisp::ref {

struct MatMulParams {
  int64_t m = 1, n = 1, k = 1;
  int batch_rank = 0;
  int64_t batch[kMaxRank] = {};
  int64_t a_batch_stride[kMaxRank] = {};  // in elements; 0 along broadcast dims
  int64_t b_batch_stride[kMaxRank] = {};
  int64_t batch_count = 1;
  // QLinearMatMul / MatMulInteger: zero points and scales per row of A / column of B.
  bool a_per_row = false, b_per_col = false;
  // B is a constant at prepare: an optimized kernel may pack it once into packed_b.
  bool b_constant = false;
  mutable std::shared_ptr<PackedWeights> packed_b;
};

// Calls fn(out_index, a_offset, b_offset) for every batch entry (offsets in elements of
// whole matrices, already multiplied by M*K and K*N).
template <class Fn>
void for_each_matmul_batch(const MatMulParams& p, Fn&& fn) {
  int64_t idx[kMaxRank] = {};
  for (int64_t b = 0; b < p.batch_count; ++b) {
    int64_t ao = 0, bo = 0;
    for (int d = 0; d < p.batch_rank; ++d) {
      ao += idx[d] * p.a_batch_stride[d];
      bo += idx[d] * p.b_batch_stride[d];
    }
    fn(b, ao, bo);
    for (int d = p.batch_rank - 1; d >= 0; --d) {
      if (++idx[d] < p.batch[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace wisp::ref
