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

// Runs fn(params) on `ins` (null: omitted) into fresh outputs of `out_shapes` (f32, filled
// with a marker value first so an unwritten element shows).
inline std::vector<Tensor> call_kernel(KernelFn fn, const void* params, const std::vector<const Tensor*>& ins,
                                       const std::vector<Shape>& out_shapes, ThreadPool* pool = nullptr) {
  std::vector<TensorView> views(ins.size());
  std::vector<const TensorView*> in_ptrs(ins.size(), nullptr);
  for (size_t i = 0; i < ins.size(); ++i)
    if (ins[i]) in_ptrs[i] = &(views[i] = ins[i]->view());
  std::vector<Tensor> outs;
  for (const Shape& s : out_shapes) {
    outs.emplace_back(DType::kF32, s);
    for (int64_t i = 0; i < outs.back().numel(); ++i) outs.back().as<float>()[i] = -12345.0f;
  }
  std::vector<TensorView> out_views;
  for (Tensor& t : outs) out_views.push_back(t.view());
  std::vector<TensorView*> out_ptrs;
  for (TensorView& v : out_views) out_ptrs.push_back(&v);
  KernelArgs args{nullptr, params, in_ptrs, out_ptrs, nullptr, 0, nullptr, pool};
  fn(args);
  return outs;
}

inline bool same_bits(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.view().bytes())) == 0;
}

}  // namespace wisp::test
