// Add, Sub, Mul, Div on float32 with NEON, for the broadcasts models use:
//   same shape; one side a single element (scalar); and one side varying along one
//   contiguous block of the output's dims, 1 elsewhere -- the per-channel bias/scale
//   [N, C, H, W] op [C, 1, 1], or a row vector [M, N] op [N].
// The output is viewed as [outer, mid, inner] with the small operand indexed by mid. With
// inner > 1 (per channel) each run of `inner` elements meets one scalar; with inner == 1
// (row vector) each row of `mid` meets the whole vector. Anything else (both sides
// broadcast, other types) goes to the reference kernel. IEEE add/sub/mul/div per lane
// round exactly like the scalar reference, so results are bit-identical with it. A
// broadcast left operand (1 - x, [C,1,1] / x) walks the same loops with the operands'
// roles swapped, each lane still computing left op right.
// Work is split over the session's threads in contiguous ranges of the output.
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/binary.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::arm {
namespace {

constexpr int64_t kChunk = 16384;  // output elements per parallel task

struct AddOp {
  static float32x4_t v(float32x4_t a, float32x4_t b) { return vaddq_f32(a, b); }
  static float s(float a, float b) { return a + b; }
};
struct SubOp {
  static float32x4_t v(float32x4_t a, float32x4_t b) { return vsubq_f32(a, b); }
  static float s(float a, float b) { return a - b; }
};
struct MulOp {
  static float32x4_t v(float32x4_t a, float32x4_t b) { return vmulq_f32(a, b); }
  static float s(float a, float b) { return a * b; }
};
struct DivOp {
  static float32x4_t v(float32x4_t a, float32x4_t b) { return vdivq_f32(a, b); }
  static float s(float a, float b) { return a / b; }
};

// out[i] = a[i] op b[i] for i in [0, n).
template <class Op>
void vec_vec(const float* a, const float* b, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(out + i, Op::v(vld1q_f32(a + i), vld1q_f32(b + i)));
  for (; i < n; ++i) out[i] = Op::s(a[i], b[i]);
}

// out[i] = a[i] op s (or s op a[i] when Swapped).
template <class Op, bool Swapped>
void vec_scalar(const float* a, float s, float* out, int64_t n) {
  const float32x4_t vs = vdupq_n_f32(s);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t va = vld1q_f32(a + i);
    vst1q_f32(out + i, Swapped ? Op::v(vs, va) : Op::v(va, vs));
  }
  for (; i < n; ++i) out[i] = Swapped ? Op::s(s, a[i]) : Op::s(a[i], s);
}

// How the small operand `b` broadcasts to `out`: out = [outer, mid, inner], b = [mid].
// False unless b's dims (aligned right) equal out's on one contiguous block and are 1
// elsewhere.
bool outer_mid_inner(const Shape& out, const Shape& b, int64_t& outer, int64_t& mid, int64_t& inner) {
  const int r = out.rank(), off = r - b.rank();
  if (off < 0) return false;
  int first = -1, last = -1;
  for (int d = 0; d < r; ++d) {
    const int64_t bd = d >= off ? b[d - off] : 1;
    if (bd == 1) continue;
    if (bd != out[d] || (last >= 0 && last != d - 1)) return false;
    if (first < 0) first = d;
    last = d;
  }
  if (first < 0) return false;  // b is a single element: the scalar case
  outer = mid = inner = 1;
  for (int d = 0; d < r; ++d) (d < first ? outer : d <= last ? mid : inner) *= out[d];
  return true;
}

template <class Op>
bool run(const TensorView& a_in, const TensorView& b_in, TensorView& out, ThreadPool* pool) {
  const int64_t n = out.numel();
  const TensorView *full = &a_in, *small = &b_in;
  bool swapped = false;
  if (a_in.numel() != n) {
    if (b_in.numel() != n) return false;
    std::swap(full, small);
    swapped = true;
  }
  const float* a = full->as<const float>();
  const float* b = small->as<const float>();
  float* y = out.as<float>();
  const int64_t tasks = (n + kChunk - 1) / kChunk;
  if (small->numel() == n) {
    parallel_for(pool, tasks, [&](int64_t t0, int64_t t1) {
      const int64_t i0 = t0 * kChunk, i1 = std::min(n, t1 * kChunk);
      vec_vec<Op>(a + i0, b + i0, y + i0, i1 - i0);
    });
    return true;
  }
  if (small->numel() == 1) {
    const float s = b[0];
    parallel_for(pool, tasks, [&](int64_t t0, int64_t t1) {
      const int64_t i0 = t0 * kChunk, i1 = std::min(n, t1 * kChunk);
      if (swapped) {
        vec_scalar<Op, true>(a + i0, s, y + i0, i1 - i0);
      } else {
        vec_scalar<Op, false>(a + i0, s, y + i0, i1 - i0);
      }
    });
    return true;
  }
  int64_t outer = 1, mid = 1, inner = 1;
  if (!outer_mid_inner(out.shape, small->shape, outer, mid, inner)) return false;
  if (inner == 1) {  // row vector: rows of `mid` elements
    parallel_for(pool, outer, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        if (swapped) {
          vec_vec<Op>(b, a + r * mid, y + r * mid, mid);
        } else {
          vec_vec<Op>(a + r * mid, b, y + r * mid, mid);
        }
      }
    });
    return true;
  }
  parallel_for(pool, outer * mid, [&](int64_t r0, int64_t r1) {  // runs of `inner` per channel
    for (int64_t r = r0; r < r1; ++r) {
      const float s = b[r % mid];
      if (swapped) {
        vec_scalar<Op, true>(a + r * inner, s, y + r * inner, inner);
      } else {
        vec_scalar<Op, false>(a + r * inner, s, y + r * inner, inner);
      }
    }
  });
  return true;
}

template <class Op>
void binary_kernel(const KernelArgs& args) {
  const TensorView &a = *args.in[0], &b = *args.in[1];
  TensorView& out = *args.out[0];
  if (out.numel() == 0) return;
  if (b.dtype == DType::kF32 && run<Op>(a, b, out, args.pool)) return;
  ref::binary(a, b, out, args.p<ref::BinaryParams>());
}

}  // namespace

WISP_REGISTER_KERNEL("Add", DType::kF32, Isa::kNeon, binary_kernel<AddOp>);
WISP_REGISTER_KERNEL("Sub", DType::kF32, Isa::kNeon, binary_kernel<SubOp>);
WISP_REGISTER_KERNEL("Mul", DType::kF32, Isa::kNeon, binary_kernel<MulOp>);
WISP_REGISTER_KERNEL("Div", DType::kF32, Isa::kNeon, binary_kernel<DivOp>);

}  // namespace wisp::arm
