#include "kernels/ref/cumsum.hpp"

#include <type_traits>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

template <class T>
void cumsum_typed(const TensorView& x, int axis, TensorView& y, const CumSumParams& p) {
  constexpr bool kHalf = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
  using Acc = std::conditional_t<kHalf, float, T>;
  const T* in = x.as<T>();
  T* out = y.as<T>();
  const int64_t outer = x.shape.numel(0, axis), n = x.shape[axis], inner = x.shape.numel(axis + 1, x.shape.rank());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      Acc sum = 0;
      for (int64_t step = 0; step < n; ++step) {
        const int64_t k = p.reverse ? n - 1 - step : step;
        const Acc v = static_cast<Acc>(in[base + k * inner]);  // read first: out may alias in
        if (!p.exclusive) sum += v;
        out[base + k * inner] = T(sum);
        if (p.exclusive) sum += v;
      }
    }
  }
}

void cumsum_kernel(const KernelArgs& a) {
  const TensorView& axis = *a.in[1];
  WISP_CHECK(axis.numel() == 1, ErrorCode::kInvalidArgument, "CumSum: axis must be a scalar");
  cumsum(*a.in[0], element_as_int(axis, 0), *a.out[0], a.p<CumSumParams>());
}

}  // namespace

void cumsum(const TensorView& x, int64_t axis, TensorView& y, const CumSumParams& p) {
  const int ax = x.shape.axis(axis, "CumSum axis");
  dispatch_dtype(x.dtype, "CumSum", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) fail(ErrorCode::kUnsupported, "CumSum: bool input is not supported");
    else cumsum_typed<T>(x, ax, y, p);
  });
}

WISP_REGISTER_KERNEL("CumSum", DType::kUndefined, Isa::kRef, cumsum_kernel);

}  // namespace wisp::ref
