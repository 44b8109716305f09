// Reference Gemm over the shared gemm loop: accumulate A' x B', then scale and add C.
#include "kernels/ref/gemm_op.hpp"

#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/gemm.hpp"

namespace wisp::ref {
namespace {

template <class T>
void gemm_typed(const KernelArgs& a) {
  using Acc = std::conditional_t<std::is_integral_v<T>, T, acc_t<T>>;
  const GemmParams& p = a.p<GemmParams>();
  const T* x = a.in[0]->as<const T>();
  const T* w = a.in[1]->as<const T>();
  const T* c = p.has_c ? a.in[2]->as<const T>() : nullptr;
  T* y = a.out[0]->as<T>();
  Acc* out = nullptr;
  if constexpr (std::is_same_v<T, Acc>) out = y; else out = static_cast<Acc*>(a.scratch);
  for (int64_t i = 0; i < p.m * p.n; ++i) out[i] = Acc(0);
  const MatrixRef as = p.trans_a ? MatrixRef{1, p.m} : MatrixRef{p.k, 1};
  const MatrixRef bs = p.trans_b ? MatrixRef{1, p.k} : MatrixRef{p.n, 1};
  gemm_accumulate<Acc>(p.m, p.n, p.k, x, as, w, bs, out, p.n);
  const Acc alpha = static_cast<Acc>(p.alpha), beta = static_cast<Acc>(p.beta);
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      Acc v = alpha * out[i * p.n + j];
      if (c) v += beta * static_cast<Acc>(c[i * p.c_row_stride + j * p.c_col_stride]);
      if constexpr (std::is_floating_point_v<Acc>) v = apply_epilogue(v, p.epilogue);
      y[i * p.n + j] = static_cast<T>(v);
    }
}

void gemm_kernel(const KernelArgs& a) {
  switch (a.in[0]->dtype) {
    case DType::kF32: return gemm_typed<float>(a);
    case DType::kF64: return gemm_typed<double>(a);
    case DType::kF16: return gemm_typed<Float16>(a);
    case DType::kBF16: return gemm_typed<BFloat16>(a);
    case DType::kI32: return gemm_typed<int32_t>(a);
    case DType::kI64: return gemm_typed<int64_t>(a);
    case DType::kU32: return gemm_typed<uint32_t>(a);
    case DType::kU64: return gemm_typed<uint64_t>(a);
    default: fail(ErrorCode::kUnsupported, "Gemm: element type ", dtype_name(a.in[0]->dtype), " is not supported");
  }
}

}  // namespace

WISP_REGISTER_KERNEL("Gemm", DType::kUndefined, Isa::kRef, gemm_kernel);

}  // namespace wisp::ref
