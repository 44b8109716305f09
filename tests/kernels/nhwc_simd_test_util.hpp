// Shared by the tests of the x86 NHWC kernels (depthwise_nhwc_simd_test.cpp,
// pool_nhwc_simd_test.cpp): layout transposes, the registered com.wisp kernel for exactly
// one ISA, and the reference answer from the NCHW ONNX op run through a reference Session.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "core/tensor.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/simd_window_test_util.hpp"

namespace wisp::test {

// [N, C, H, W] -> [N, H, W, C]
inline Tensor nchw_to_nhwc(const Tensor& t) {
  const Shape& s = t.shape();
  const int64_t n = s[0], c = s[1], h = s[2], w = s[3];
  Tensor out(DType::kF32, Shape{n, h, w, c});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          out.as<float>()[((i * h + y) * w + x) * c + ch] = t.as<float>()[((i * c + ch) * h + y) * w + x];
  return out;
}

// The com.wisp float32 kernel registered for exactly `isa`, or null with the reason.
inline KernelFn nhwc_variant(const char* op, Isa isa, std::string& why_not) {
  if (min_isa(best_isa(), isa) != isa) {
    why_not = std::string("the CPU (or WISP_MAX_ISA) does not allow ") + std::string(isa_name(isa));
    return nullptr;
  }
  KernelFn fn = find_kernel("com.wisp", op, DType::kF32, isa);
  if (fn == nullptr || fn == find_kernel("com.wisp", op, DType::kF32, Isa::kPortable)) {
    why_not = std::string("no ") + op + " kernel for " + std::string(isa_name(isa)) + " in this build";
    return nullptr;
  }
  return fn;
}

}  // namespace wisp::test
