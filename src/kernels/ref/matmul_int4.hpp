// MatMulInt4 (domain com.wisp, made by passes::fuse_int4_matmul): Y = A x dequant(B), with
// A float32 [..., M, K] (batches folded into M) and B the weight-only INT4 weight [K, N]
// (kernels/ref/int4.hpp packing) with float32 scales [ceil(K / block), N]:
//   dequant(B)(k, n) = B(k, n) * scale(k / block, n)
// exactly the product DequantizeLinear computes, so MatMulInt4 equals MatMul on the
// dequantized weight up to the order of the float sums.
#pragma once
#include <cstdint>

namespace wisp::ref {

struct MatMulInt4Params {
  int64_t m = 0, k = 0, n = 0;  // m: all rows of A (batch dims folded)
  int64_t block = 32;
  bool is_signed = true;
};

}  // namespace wisp::ref
