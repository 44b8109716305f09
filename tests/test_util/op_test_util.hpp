// Runs one op through a real Session, the way a model would run it.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ir/attribute.hpp"
#include "kernels/kernel_registry.hpp"

namespace wisp::test {

struct OpInput {
  Tensor tensor;          // empty Tensor (default) = omitted optional input
  bool constant = false;  // true: an initializer (the op may be folded at prepare)
};

// Builds a graph with one node `op_type` (ai.onnx, opset `opset`) whose inputs are graph
// inputs (or constants) and whose `num_outputs` outputs are graph outputs, runs it, and
// returns the outputs on `threads` threads. Throws wisp::Error like a real model would.
std::vector<Tensor> run_op(const std::string& op_type, const std::vector<OpInput>& inputs, const Attributes& attrs = {},
                           int num_outputs = 1, int opset = 21, int threads = 1);

// Convenience: all inputs are graph inputs, one output.
Tensor run_op1(const std::string& op_type, const std::vector<Tensor>& inputs, const Attributes& attrs = {});

// f32 tensor of `shape` with values uniform in [lo, hi), reproducible from `seed`.
Tensor random_f32(const Shape& shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// Calls one kernel function directly (no Session) on `ins` (null: an omitted optional
// input) into fresh float32 outputs of `out_shapes`, filled with a marker value first so
// that an element the kernel forgot to write shows. Optional pool and scratch.
std::vector<Tensor> call_kernel(KernelFn fn, const void* params, const std::vector<const Tensor*>& ins,
                                const std::vector<Shape>& out_shapes, ThreadPool* pool = nullptr,
                                void* scratch = nullptr);
// The same for a kernel with one output.
Tensor call_kernel1(KernelFn fn, const void* params, const std::vector<const Tensor*>& ins, const Shape& out_shape,
                    ThreadPool* pool = nullptr, void* scratch = nullptr);

// Element-wise comparison with |a-b| <= atol + rtol*|b|; gtest failure message names the
// first mismatching index. Types and shapes must match exactly.
::testing::AssertionResult tensors_near(const Tensor& actual, const Tensor& expected, double rtol = 1e-5,
                                        double atol = 1e-6);

}  // namespace wisp::test
