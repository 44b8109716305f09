// Reference MatMul, MatMulInteger and QLinearMatMul over the shared gemm loop.
#include "kernels/ref/matmul.hpp"

#include <cstring>
#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/gemm.hpp"
#include "kernels/ref/qgemm.hpp"
#include "kernels/ref/quantize.hpp"

namespace wisp::ref {
namespace {

template <class T>
void matmul_typed(const KernelArgs& a) {
  // Integers accumulate in their own type (wrapping like the ONNX reference's NumPy).
  using Acc = std::conditional_t<std::is_integral_v<T>, T, acc_t<T>>;
  const MatMulParams& p = a.p<MatMulParams>();
  const T* x = a.in[0]->as<const T>();
  const T* w = a.in[1]->as<const T>();
  T* y = a.out[0]->as<T>();
  const int64_t mn = p.m * p.n;
  for_each_matmul_batch(p, [&](int64_t b, int64_t ao, int64_t bo) {
    T* yb = y + b * mn;
    Acc* out = nullptr;
    if constexpr (std::is_same_v<T, Acc>) out = yb; else out = static_cast<Acc*>(a.scratch);
    for (int64_t i = 0; i < mn; ++i) out[i] = Acc(0);
    gemm_accumulate<Acc>(p.m, p.n, p.k, x + ao, MatrixRef{p.k, 1}, w + bo, MatrixRef{p.n, 1}, out, p.n);
    if constexpr (!std::is_same_v<T, Acc>)
      for (int64_t i = 0; i < mn; ++i) yb[i] = static_cast<T>(out[i]);
  });
}

void matmul_kernel(const KernelArgs& a) {
  switch (a.in[0]->dtype) {
    case DType::kF32: return matmul_typed<float>(a);
    case DType::kF64: return matmul_typed<double>(a);
    case DType::kF16: return matmul_typed<Float16>(a);
    case DType::kBF16: return matmul_typed<BFloat16>(a);
    case DType::kI32: return matmul_typed<int32_t>(a);
    case DType::kI64: return matmul_typed<int64_t>(a);
    case DType::kU32: return matmul_typed<uint32_t>(a);
    case DType::kU64: return matmul_typed<uint64_t>(a);
    default: fail(ErrorCode::kUnsupported, "MatMul: element type ", dtype_name(a.in[0]->dtype), " is not supported");
  }
}

// Copies one batch entry of A and B into int32 with the zero points subtracted.
template <class TA, class TB>
void widen(const MatMulParams& p, const TA* a, const TA* azp, const TB* b, const TB* bzp, int32_t* a32,
           int32_t* b32) {
  for (int64_t i = 0; i < p.m; ++i) {
    const int32_t z = quant_param(azp, p.a_per_row, i);
    for (int64_t k = 0; k < p.k; ++k) a32[i * p.k + k] = static_cast<int32_t>(a[i * p.k + k]) - z;
  }
  for (int64_t k = 0; k < p.k; ++k)
    for (int64_t j = 0; j < p.n; ++j)
      b32[k * p.n + j] = static_cast<int32_t>(b[k * p.n + j]) - static_cast<int32_t>(quant_param(bzp, p.b_per_col, j));
}

template <class TA, class TB>
void matmul_integer_typed(const KernelArgs& a) {
  const MatMulParams& p = a.p<MatMulParams>();
  const TA* x = a.in[0]->as<const TA>();
  const TB* w = a.in[1]->as<const TB>();
  const TA* azp = a.has_in(2) ? a.in[2]->as<const TA>() : nullptr;
  const TB* bzp = a.has_in(3) ? a.in[3]->as<const TB>() : nullptr;
  int32_t* y = a.out[0]->as<int32_t>();
  int32_t* a32 = static_cast<int32_t*>(a.scratch);
  int32_t* b32 = a32 + p.m * p.k;
  for_each_matmul_batch(p, [&](int64_t b, int64_t ao, int64_t bo) {
    widen(p, x + ao, azp, w + bo, bzp, a32, b32);
    int32_t* yb = y + b * p.m * p.n;
    std::memset(yb, 0, static_cast<size_t>(p.m * p.n) * sizeof(int32_t));
    gemm_accumulate<int32_t>(p.m, p.n, p.k, a32, MatrixRef{p.k, 1}, b32, MatrixRef{p.n, 1}, yb, p.n);
  });
}

template <class TA, class TB, class TY>
void qlinear_matmul_typed(const KernelArgs& a) {
  const MatMulParams& p = a.p<QMatMulParams>().mm;
  const TA* x = a.in[0]->as<const TA>();
  const float* a_scale = a.in[1]->as<const float>();
  const TA* azp = a.in[2]->as<const TA>();
  const TB* w = a.in[3]->as<const TB>();
  const float* b_scale = a.in[4]->as<const float>();
  const TB* bzp = a.in[5]->as<const TB>();
  const float y_scale = a.in[6]->as<const float>()[0];
  const int32_t y_zp = static_cast<int32_t>(a.in[7]->as<const TY>()[0]);
  TY* y = a.out[0]->as<TY>();
  int32_t* a32 = static_cast<int32_t*>(a.scratch);
  int32_t* b32 = a32 + p.m * p.k;
  int32_t* acc = b32 + p.k * p.n;
  for_each_matmul_batch(p, [&](int64_t b, int64_t ao, int64_t bo) {
    widen(p, x + ao, azp, w + bo, bzp, a32, b32);
    std::memset(acc, 0, static_cast<size_t>(p.m * p.n) * sizeof(int32_t));
    gemm_accumulate<int32_t>(p.m, p.n, p.k, a32, MatrixRef{p.k, 1}, b32, MatrixRef{p.n, 1}, acc, p.n);
    TY* yb = y + b * p.m * p.n;
    for (int64_t i = 0; i < p.m; ++i)
      for (int64_t j = 0; j < p.n; ++j) {
        // The multiplier is formed in float, the product in double (as the ONNX reference).
        const float scale = quant_param(a_scale, p.a_per_row, i) * quant_param(b_scale, p.b_per_col, j) / y_scale;
        const double v = static_cast<double>(acc[i * p.n + j]) * static_cast<double>(scale);
        yb[i * p.n + j] = saturate_round<TY>(std::nearbyint(v) + y_zp);
      }
  });
}

template <template <class, class> class K>
void dispatch_u8_i8(DType ta, DType tb, const char* op, void (*&fn)(const KernelArgs&)) {
  (void)op;
  if (ta == DType::kU8 && tb == DType::kU8) fn = K<uint8_t, uint8_t>::run;
  else if (ta == DType::kU8 && tb == DType::kI8) fn = K<uint8_t, int8_t>::run;
  else if (ta == DType::kI8 && tb == DType::kU8) fn = K<int8_t, uint8_t>::run;
  else fn = K<int8_t, int8_t>::run;
}

template <class TA, class TB> struct MatMulIntegerK { static void run(const KernelArgs& a) { matmul_integer_typed<TA, TB>(a); } };
template <class TA, class TB> struct QLinearMatMulU8K { static void run(const KernelArgs& a) { qlinear_matmul_typed<TA, TB, uint8_t>(a); } };
template <class TA, class TB> struct QLinearMatMulI8K { static void run(const KernelArgs& a) { qlinear_matmul_typed<TA, TB, int8_t>(a); } };

void matmul_integer_kernel(const KernelArgs& a) {
  void (*fn)(const KernelArgs&) = nullptr;
  dispatch_u8_i8<MatMulIntegerK>(a.in[0]->dtype, a.in[1]->dtype, "MatMulInteger", fn);
  fn(a);
}

// The fixed-point form (wisp_fixed_point=1, kernels/ref/qgemm.hpp): channel = column n of
// B, position = row m of A; batches of A against the one 2-D B.
template <class TX, class TY>
void qmatmul_fixed_point_typed(const KernelArgs& a) {
  const QMatMulParams& qp = a.p<QMatMulParams>();
  const MatMulParams& p = qp.mm;
  const TX* x = a.in[0]->as<const TX>();
  TY* y = a.out[0]->as<TY>();
  for_each_matmul_batch(p, [&](int64_t b, int64_t ao, int64_t) {
    qgemm_ref(qp.q, 0, p.m, x + ao, 1, p.k, y + b * p.m * p.n, 1, p.n);
  });
}

void qlinear_matmul_kernel(const KernelArgs& a) {
  if (a.p<QMatMulParams>().fixed_point) {
    const bool xs = a.in[0]->dtype == DType::kI8, ys = a.out[0]->dtype == DType::kI8;
    if (!xs && !ys) return qmatmul_fixed_point_typed<uint8_t, uint8_t>(a);
    if (!xs && ys) return qmatmul_fixed_point_typed<uint8_t, int8_t>(a);
    if (xs && !ys) return qmatmul_fixed_point_typed<int8_t, uint8_t>(a);
    return qmatmul_fixed_point_typed<int8_t, int8_t>(a);
  }
  void (*fn)(const KernelArgs&) = nullptr;
  if (a.out[0]->dtype == DType::kU8) dispatch_u8_i8<QLinearMatMulU8K>(a.in[0]->dtype, a.in[3]->dtype, "QLinearMatMul", fn);
  else dispatch_u8_i8<QLinearMatMulI8K>(a.in[0]->dtype, a.in[3]->dtype, "QLinearMatMul", fn);
  fn(a);
}

}  // namespace

WISP_REGISTER_KERNEL("MatMul", DType::kUndefined, Isa::kRef, matmul_kernel);
WISP_REGISTER_KERNEL("MatMulInteger", DType::kUndefined, Isa::kRef, matmul_integer_kernel);
WISP_REGISTER_KERNEL("QLinearMatMul", DType::kUndefined, Isa::kRef, qlinear_matmul_kernel);

}  // namespace wisp::ref
