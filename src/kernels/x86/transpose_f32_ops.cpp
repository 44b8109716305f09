// Transpose (float32) for AVX2 and AVX-512 (transpose_f32_avx2.cpp): builds the reduced
// plan and copies. Built without ISA flags.
#include <cstring>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/transpose.hpp"
#include "kernels/x86/eltwise_f32.hpp"

namespace wisp::x86 {

TransposeF32Plan plan_transpose_f32(const Shape& in, const int* perm) {
  const int rank = in.rank();
  int64_t in_strides[kMaxRank];
  int64_t acc = 1;
  for (int d = rank - 1; d >= 0; --d) {
    in_strides[d] = acc;
    acc *= in[d];
  }
  TransposeF32Plan p;
  for (int d = 0; d < rank; ++d) {
    const int64_t dim = in[perm[d]], stride = in_strides[perm[d]];
    if (dim == 1) continue;
    const int last = p.rank - 1;
    if (p.rank > 0 && p.in_strides[last] == stride * dim) {  // still neighbours in the input
      p.dims[last] *= dim;
      p.in_strides[last] = stride;
      continue;
    }
    p.dims[p.rank] = dim;
    p.in_strides[p.rank] = stride;
    ++p.rank;
  }
  if (p.rank == 0) {
    p.rank = 1;
    p.dims[0] = 1;
    p.in_strides[0] = 1;
  }
  return p;
}

namespace {

void transpose_f32_kernel(const KernelArgs& args) {
  const TensorView& x = *args.in[0];
  const TransposeF32Plan plan = plan_transpose_f32(x.shape, args.p<ref::TransposeParams>().perm);
  transpose_f32_avx2(plan, x.as<const float>(), args.out[0]->as<float>(), args.pool);
}

}  // namespace

WISP_REGISTER_KERNEL("Transpose", DType::kF32, Isa::kAvx2, transpose_f32_kernel);
WISP_REGISTER_KERNEL("Transpose", DType::kF32, Isa::kAvx512, transpose_f32_kernel);

}  // namespace wisp::x86
