// Shared by the x86 NhwcConv tests (conv_nhwc_simd_test.cpp, conv_nhwc_winograd_test.cpp):
// the oracle is the NCHW reference Conv, run on NHWC tensors transposed in and out, and the
// tolerance scale S is the same conv on absolute values.
#pragma once
#include <cmath>
#include <vector>

#include "core/tensor.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp::test {

// [N, A, B, C] -> [N, C, A, B] (to_nchw) or [N, C, A, B] -> [N, A, B, C].
inline Tensor permute(const Tensor& t, bool to_nchw) {
  const Shape& s = t.shape();
  const int64_t n = s[0], d1 = s[1], d2 = s[2], d3 = s[3];
  Tensor out(DType::kF32, to_nchw ? Shape{n, d3, d1, d2} : Shape{n, d2, d3, d1});
  const float* src = t.as<const float>();
  float* dst = out.as<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < d1; ++i)
      for (int64_t j = 0; j < d2; ++j)
        for (int64_t k = 0; k < d3; ++k) {
          const int64_t from = ((b * d1 + i) * d2 + j) * d3 + k;
          const int64_t to = to_nchw ? ((b * d3 + k) * d1 + i) * d2 + j : ((b * d2 + j) * d3 + k) * d1 + i;
          dst[to] = src[from];
        }
  return out;
}

inline Tensor abs_of(const Tensor& t) {
  Tensor a = Tensor::copy_of(t.view());
  for (int64_t i = 0; i < a.numel(); ++i) a.as<float>()[i] = std::fabs(a.as<float>()[i]);
  return a;
}

// The NCHW reference Conv on NHWC tensors (transposed in and out).
inline Tensor reference_nhwc(const ref::ConvParams& p, const Tensor& x, const Tensor& w, const Tensor* b, const Tensor* r) {
  static const KernelFn ref_conv = find_kernel("", "Conv", DType::kF32, Isa::kRef);
  ref::ConvParams q = p;
  q.packed_w = nullptr;
  std::vector<float> scratch(static_cast<size_t>(ref::conv_col_elems(q)) + 16);
  const Tensor xc = permute(x, true);
  Tensor rc;
  if (r) rc = permute(*r, true);
  const Tensor y = call_kernel1(ref_conv, &q, {&xc, &w, b, r ? &rc : nullptr},
                                      Shape{p.batch, p.out_channels, p.geo.out[1], p.geo.out[2]}, nullptr,
                                      scratch.data());
  return permute(y, false);
}

}  // namespace wisp::test
