// float32 Transpose with AVX 8 x 8 register transposes, over a TransposeF32Plan
// (eltwise_f32.hpp). Compiled with -mavx2 -mfma (CMake, *_avx2.cpp); the AVX-512
// registration uses it too (a wider tile would not move data any faster).
//
// Three cases, by where the input's contiguous dim (stride 1) lands in the output:
//  - nowhere else than itself with every dim in order: one memcpy;
//  - last in the output too (e.g. attention's (0, 2, 1, 3)): runs of that dim are copied
//    whole, one memcpy per output row;
//  - elsewhere (NCHW <-> NHWC, last-two swap): a 2-D transpose between the output's last
//    dim (i: input stride s) and the output dim q that is the input's contiguous one
//    (j: output stride os), for every index of the other dims. 8 x 8 tiles are 8 loads of
//    8 contiguous input floats, unpack/shuffle/permute2f128, 8 stores of 8 contiguous
//    output floats; the ragged edges go element by element.
// Units of work (one other-dims index x 8 values of j, or one row) are split over the
// pool from 16K elements; a copy gives the same bits whatever the split.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/eltwise_f32.hpp"

namespace wisp::x86 {
namespace {

inline void transpose8x8(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
  __m256 r[8], t[8];
  for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(src + k * src_stride);
  for (int k = 0; k < 8; k += 2) {
    t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
    t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {
    r[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int k = 0; k < 4; ++k) {
    _mm256_storeu_ps(dst + k * dst_stride, _mm256_permute2f128_ps(r[k], r[k + 4], 0x20));
    _mm256_storeu_ps(dst + (k + 4) * dst_stride, _mm256_permute2f128_ps(r[k], r[k + 4], 0x31));
  }
}

}  // namespace

void transpose_f32_avx2(const TransposeF32Plan& p, const float* x, float* y, ThreadPool* pool) {
  const int last = p.rank - 1;
  int64_t total = 1, out_strides[kMaxRank];
  for (int d = last; d >= 0; --d) {
    out_strides[d] = total;
    total *= p.dims[d];
  }
  if (total == 0) return;
  ThreadPool* tp = total >= kEltwiseParallelMin ? pool : nullptr;
  // Offsets of index `u` over the dims in `which` (mixed radix, last fastest).
  auto offsets = [&](const int* which, int count, int64_t u, int64_t& in_off, int64_t& out_off) {
    in_off = out_off = 0;
    for (int k = count - 1; k >= 0; --k) {
      const int d = which[k];
      const int64_t idx = u % p.dims[d];
      u /= p.dims[d];
      in_off += idx * p.in_strides[d];
      out_off += idx * out_strides[d];
    }
  };
  if (p.in_strides[last] == 1) {  // the contiguous dim stays last: copy runs
    const int64_t run = p.dims[last], rows = total / run;
    int outer[kMaxRank];
    for (int d = 0; d < last; ++d) outer[d] = d;
    parallel_for(tp, rows, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        int64_t io = 0, oo = 0;
        offsets(outer, last, r, io, oo);
        std::memcpy(y + oo, x + io, sizeof(float) * static_cast<size_t>(run));
      }
    });
    return;
  }
  int q = 0;
  while (p.in_strides[q] != 1) ++q;
  int others[kMaxRank], n_others = 0;
  for (int d = 0; d < last; ++d)
    if (d != q) others[n_others++] = d;
  const int64_t ni = p.dims[last], nj = p.dims[q], s = p.in_strides[last], os = out_strides[q];
  const int64_t j_blocks = (nj + 7) / 8, planes = total / (ni * nj);
  parallel_for(tp, planes * j_blocks, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      int64_t io = 0, oo = 0;
      offsets(others, n_others, u / j_blocks, io, oo);
      const int64_t j0 = u % j_blocks * 8;
      const float* src = x + io + j0;
      float* dst = y + oo + j0 * os;
      if (j0 + 8 <= nj) {
        int64_t i = 0;
        for (; i + 8 <= ni; i += 8) transpose8x8(src + i * s, s, dst + i, os);
        for (; i < ni; ++i)
          for (int64_t j = 0; j < 8; ++j) dst[j * os + i] = src[i * s + j];
      } else {
        for (int64_t i = 0; i < ni; ++i)
          for (int64_t j = 0; j < nj - j0; ++j) dst[j * os + i] = src[i * s + j];
      }
    }
  });
}

}  // namespace wisp::x86
