#include "kernels/ref/softmax.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

// Computes in double and stores T; the max is subtracted first so exp() cannot overflow.
// In-place safe: each line is fully read (max, sum) before any element of it is written.
template <class T>
void softmax_typed(const TensorView& in, TensorView& out, const SoftmaxParams& p) {
  const T* x = in.as<T>();
  T* y = out.as<T>();
  const int64_t n = p.axis_dim, s = p.inner;
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t i = 0; i < s; ++i) {
      const int64_t base = o * n * s + i;
      double m = -std::numeric_limits<double>::infinity();
      int64_t arg = 0;
      for (int64_t k = 0; k < n; ++k) {
        const double v = static_cast<float>(x[base + k * s]);
        if (v > m) { m = v; arg = k; }
      }
      if (p.kind == SoftmaxKind::kHardmax) {
        for (int64_t k = 0; k < n; ++k) y[base + k * s] = T(k == arg ? 1.0f : 0.0f);
        continue;
      }
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += std::exp(static_cast<double>(x[base + k * s]) - m);
      const double log_sum = std::log(sum);
      for (int64_t k = 0; k < n; ++k) {
        const double v = static_cast<double>(x[base + k * s]) - m;
        const double r = p.kind == SoftmaxKind::kSoftmax ? std::exp(v) / sum : v - log_sum;
        y[base + k * s] = T(static_cast<float>(r));
      }
    }
  }
}

void softmax_kernel(const KernelArgs& a) { softmax(*a.in[0], *a.out[0], a.p<SoftmaxParams>()); }

}  // namespace

void softmax(const TensorView& in, TensorView& out, const SoftmaxParams& p) {
  switch (in.dtype) {
    case DType::kF32: return softmax_typed<float>(in, out, p);
    case DType::kF64: return softmax_typed<double>(in, out, p);
    case DType::kF16: return softmax_typed<Float16>(in, out, p);
    case DType::kBF16: return softmax_typed<BFloat16>(in, out, p);
    default: fail(ErrorCode::kUnsupported, "Softmax: element type ", dtype_name(in.dtype), " is not supported");
  }
}

WISP_REGISTER_KERNEL("Softmax", DType::kUndefined, Isa::kRef, softmax_kernel);
WISP_REGISTER_KERNEL("LogSoftmax", DType::kUndefined, Isa::kRef, softmax_kernel);
WISP_REGISTER_KERNEL("Hardmax", DType::kUndefined, Isa::kRef, softmax_kernel);

}  // namespace wisp::ref
