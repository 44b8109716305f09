// Helpers for the NEON kernel tests (tests/kernels/arm_*_test.cpp, compiled for aarch64):
// call one registered kernel directly the way a Session would, and fetch the NEON and
// reference kernels of an op.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "runtime/thread_pool.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp::test {

// The f32 NEON kernel of `op`; fails the test if the build did not register one (every
// aarch64 build must) or the CPU (qemu) does not report NEON.
inline KernelFn neon_kernel(const char* op) {
  EXPECT_EQ(detected_isa(), Isa::kNeon) << "aarch64 always has NEON";
  KernelFn fn = find_kernel("", op, DType::kF32, Isa::kNeon);
  EXPECT_NE(fn, find_kernel("", op, DType::kF32, Isa::kPortable)) << "no NEON kernel registered for " << op;
  return fn;
}

inline KernelFn ref_kernel(const char* op) { return find_kernel("", op, DType::kF32, Isa::kRef); }

inline Tensor abs_of(const Tensor& t) {
  Tensor a = Tensor::copy_of(t.view());
  for (int64_t i = 0; i < a.numel(); ++i) a.as<float>()[i] = std::fabs(a.as<float>()[i]);
  return a;
}

inline bool same_bits(const Tensor& a, const Tensor& b) {
  return a.bytes() == b.bytes() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.bytes())) == 0;
}

// |got - want| <= 1e-6 * (k + 1) * scale + 1e-6, scale being the same product on absolute
// values: float rounding in any summation order; a wrong or missing term is far larger.
inline ::testing::AssertionResult close_to(const Tensor& got, const Tensor& want, const Tensor& scale, int64_t k) {
  if (got.numel() != want.numel()) return ::testing::AssertionFailure() << "element counts differ";
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = got.as<float>()[i], w = want.as<float>()[i];
    const double tol = 1e-6 * double(k + 1) * scale.as<float>()[i] + 1e-6;
    if (!(std::fabs(g - w) <= tol))
      return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs reference " << w << " (tol " << tol
                                           << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace wisp::test
