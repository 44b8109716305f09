// Params of the Gemm op: Y = alpha * A' x B' + beta * C, A' = transA ? A^T : A (same for B),
// C broadcast unidirectionally to [M, N] (it may be a scalar, [N], [M, 1], [1, N], [M, N]).
#pragma once
#include <cstdint>
#include <memory>

namespace wisp {
struct PackedWeights;
}

#include "kernels/ref/epilogue.hpp"

namespace wisp::ref {

struct GemmParams {
  int64_t m = 1, n = 1, k = 1;
  bool trans_a = false, trans_b = false;
  float alpha = 1, beta = 1;
  bool has_c = false;
  int64_t c_row_stride = 0, c_col_stride = 0;  // 0 along broadcast dims
  Epilogue epilogue;  // fused activation after alpha * A'B' + beta * C (float types only)
  // B is a constant at prepare: an optimized kernel may pack it once into packed_b.
  bool b_constant = false;
  mutable std::shared_ptr<PackedWeights> packed_b;
};

}  // namespace wisp::ref
