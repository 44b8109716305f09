#include "kernels/ref/window.hpp"

#include <cmath>
#include <numbers>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

void window_kernel(const KernelArgs& a) {
  const auto& p = a.p<WindowParams>();
  TensorView& y = *a.out[0];
  const int64_t size = y.shape[0];
  const double n_div = p.periodic ? double(size) : double(size - 1);
  dispatch_dtype(y.dtype, "window", [&](auto tag) {
    using T = decltype(tag);
    for (int64_t n = 0; n < size; ++n) {
      const double x = n_div > 0 ? 2.0 * std::numbers::pi * double(n) / n_div : 0.0;
      const double w = p.a0 - p.a1 * std::cos(x) + p.a2 * std::cos(2 * x);
      y.as<T>()[n] = static_cast<T>(static_cast<float>(w));
    }
  });
}

}  // namespace

WISP_REGISTER_KERNEL("HannWindow", DType::kUndefined, Isa::kRef, window_kernel);
WISP_REGISTER_KERNEL("HammingWindow", DType::kUndefined, Isa::kRef, window_kernel);
WISP_REGISTER_KERNEL("BlackmanWindow", DType::kUndefined, Isa::kRef, window_kernel);

}  // namespace wisp::ref
