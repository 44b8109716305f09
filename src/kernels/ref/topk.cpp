#include "kernels/ref/topk.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

template <class T>
void topk_typed(const TensorView& x, TensorView& values, TensorView& indices, const TopKParams& p, int64_t* order) {
  const T* in = x.as<T>();
  T* vals = values.as<T>();
  int64_t* idx = indices.as<int64_t>();
  const int64_t n = p.axis_dim, s = p.inner, k = p.k;
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t i = 0; i < s; ++i) {
      const T* line = in + o * n * s + i;
      // A strict total order (value, then index) makes the result deterministic without a
      // stable sort (which may allocate). NaN counts as the largest value, as in NumPy.
      auto key = [&](int64_t j) { return static_cast<double>(line[j * s]); };
      auto before = [&](int64_t a, int64_t b) {
        const double va = key(a), vb = key(b);
        const bool na = std::isnan(va), nb = std::isnan(vb);
        if (na != nb) return p.largest ? na : nb;
        if (!na && va != vb) return p.largest ? va > vb : va < vb;
        return a < b;
      };
      for (int64_t j = 0; j < n; ++j) order[j] = j;
      std::partial_sort(order, order + k, order + n, before);
      for (int64_t j = 0; j < k; ++j) {
        const int64_t at = o * k * s + j * s + i;
        vals[at] = line[order[j] * s];
        idx[at] = order[j];
      }
    }
  }
}

void topk_kernel(const KernelArgs& a) {
  topk(*a.in[0], *a.out[0], *a.out[1], a.p<TopKParams>(), static_cast<int64_t*>(a.scratch));
}

}  // namespace

void topk(const TensorView& x, TensorView& values, TensorView& indices, const TopKParams& p, int64_t* scratch) {
  dispatch_dtype(x.dtype, "TopK", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) fail(ErrorCode::kUnsupported, "TopK: bool input is not supported");
    else topk_typed<T>(x, values, indices, p, scratch);
  });
}

WISP_REGISTER_KERNEL("TopK", DType::kUndefined, Isa::kRef, topk_kernel);

}  // namespace wisp::ref
