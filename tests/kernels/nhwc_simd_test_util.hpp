// Shared by the tests of the x86 NHWC kernels (depthwise_nhwc_simd_test.cpp,
// pool_nhwc_simd_test.cpp): the registered com.wisp kernel for exactly one ISA (layout
// transposes and one-node Sessions come from nhwc_test_util.hpp).
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "core/tensor.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/nhwc_test_util.hpp"  // to_nhwc, run_node
#include "kernels/simd_window_test_util.hpp"

namespace wisp::test {

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
