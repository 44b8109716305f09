// The one matrix-multiply loop the reference kernels share (Gemm, MatMul, Conv via
// im2col, ConvTranspose via col2im, the integer variants).
//
//   C[i, j] += sum_k A(i, k) * B(k, j)      (accumulated in Acc)
//
// A and B are addressed through strides, so transposed operands need no copy:
// A(i, k) = a[i * a_row + k * a_col], B(k, j) = b[k * b_row + j * b_col]; C is row-major
// with row stride ldc. The loop order keeps the innermost loop contiguous in memory:
// "i k j" (a row of B streams into a row of C) when B's rows are contiguous, otherwise
// "i j k" (a dot product) when B is transposed. Not blocked or vectorised by hand; the
// compiler vectorises the contiguous float inner loops well enough for reference use.
#pragma once
#include <cstdint>

namespace wisp::ref {

struct MatrixRef {
  int64_t row_stride = 0, col_stride = 1;
};

template <class Acc, class TA, class TB>
void gemm_accumulate(int64_t M, int64_t N, int64_t K, const TA* a, MatrixRef as, const TB* b, MatrixRef bs,
                     Acc* c, int64_t ldc) {
  if (bs.col_stride == 1) {
    for (int64_t i = 0; i < M; ++i) {
      Acc* crow = c + i * ldc;
      for (int64_t k = 0; k < K; ++k) {
        const Acc av = static_cast<Acc>(a[i * as.row_stride + k * as.col_stride]);
        const TB* brow = b + k * bs.row_stride;
        for (int64_t j = 0; j < N; ++j) crow[j] += av * static_cast<Acc>(brow[j]);
      }
    }
    return;
  }
  for (int64_t i = 0; i < M; ++i) {
    const TA* arow = a + i * as.row_stride;
    for (int64_t j = 0; j < N; ++j) {
      const TB* bcol = b + j * bs.col_stride;
      Acc sum = 0;
      for (int64_t k = 0; k < K; ++k)
        sum += static_cast<Acc>(arow[k * as.col_stride]) * static_cast<Acc>(bcol[k * bs.row_stride]);
      c[i * ldc + j] += sum;
    }
  }
}

// Accumulator type for a storage type: double for double, int32 for the 8-bit integer
// ops (callers pass int32 explicitly), float for everything else (f32, f16, bf16).
template <class T> struct AccOf { using type = float; };
template <> struct AccOf<double> { using type = double; };
template <class T> using acc_t = typename AccOf<T>::type;

}  // namespace wisp::ref
