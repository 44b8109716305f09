// Shared by the SIMD kernel tests of the ops around the GEMMs: pick the kernel registered
// for exactly one ISA (or say why the test skips), name test params by ISA, and call a
// kernel on Tensors the way the session does.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "runtime/thread_pool.hpp"
#include "test_util/op_test_util.hpp"  // call_kernel

namespace wisp::test {

// The kernel registered for exactly `isa` for `op` on float32, or null with the reason.
inline KernelFn simd_variant(const char* op, Isa isa, std::string& why_not) {
  if (min_isa(best_isa(), isa) != isa) {
    why_not = std::string("the CPU (or WISP_MAX_ISA) does not allow ") + std::string(isa_name(isa));
    return nullptr;
  }
  KernelFn fn = find_kernel("", op, DType::kF32, isa), below = find_kernel("", op, DType::kF32, Isa::kPortable);
  if (fn == below) {
    why_not = std::string("no ") + op + " kernel for " + std::string(isa_name(isa)) + " in this build";
    return nullptr;
  }
  return fn;
}

inline std::string isa_test_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

inline bool same_bits(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.view().bytes())) == 0;
}

}  // namespace wisp::test
