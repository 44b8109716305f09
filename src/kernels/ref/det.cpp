// Det by Gaussian elimination with partial pivoting, in double precision.
#include <cmath>
#include <type_traits>
#include <utility>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

double determinant(double* a, int64_t m) {
  double det = 1;
  for (int64_t c = 0; c < m; ++c) {
    int64_t pivot = c;
    for (int64_t r = c + 1; r < m; ++r)
      if (std::fabs(a[r * m + c]) > std::fabs(a[pivot * m + c])) pivot = r;
    if (a[pivot * m + c] == 0) return 0;
    if (pivot != c) {
      for (int64_t k = 0; k < m; ++k) std::swap(a[c * m + k], a[pivot * m + k]);
      det = -det;
    }
    det *= a[c * m + c];
    for (int64_t r = c + 1; r < m; ++r) {
      const double f = a[r * m + c] / a[c * m + c];
      for (int64_t k = c; k < m; ++k) a[r * m + k] -= f * a[c * m + k];
    }
  }
  return det;
}

template <class T>
double as_double(T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) return static_cast<float>(v);
  else return static_cast<double>(v);
}

void det_kernel(const KernelArgs& a) {
  const TensorView& x = *a.in[0];
  const int64_t m = x.shape[x.shape.rank() - 1];
  const int64_t count = a.out[0]->numel();
  auto* work = static_cast<double*>(a.scratch);  // infer sized it for one M x M matrix
  dispatch_dtype(x.dtype, "Det", [&](auto tag) {
    using T = decltype(tag);
    for (int64_t b = 0; b < count; ++b) {
      for (int64_t i = 0; i < m * m; ++i) work[i] = as_double(x.as<T>()[b * m * m + i]);
      const double d = determinant(work, m);
      if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) a.out[0]->as<T>()[b] = T(static_cast<float>(d));
      else a.out[0]->as<T>()[b] = static_cast<T>(d);
    }
  });
}

}  // namespace

WISP_REGISTER_KERNEL("Det", DType::kUndefined, Isa::kRef, det_kernel);

}  // namespace wisp::ref
