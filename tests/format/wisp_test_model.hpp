// A small valid model for .wisp tests: x[2,8] -> MatMul(W[8,4]) -> Add(b[4]) -> Relu ->
// Gemm(transB=1, alpha=0.5, with W2[3,4]) -> y[2,3]. Two-plus constants (so the data
// section has several aligned tensors), int and float attributes.
#pragma once
#include <memory>

#include "test_util/pass_test_util.hpp"

namespace wisp::test {

inline std::shared_ptr<Model> make_wisp_test_model() {
  ModelBuilder b;
  Value* x = b.input("x", Shape{2, 8});
  Value* w = b.random_constant("w", Shape{8, 4});
  Value* bias = b.random_constant("bias", Shape{4});
  Value* w2 = b.random_constant("w2", Shape{3, 4});
  Value* h = b.op("Relu", {b.op("Add", {b.op("MatMul", {x, w}), bias})});
  Attributes gemm;
  gemm.set_int("transB", 1);
  gemm.set_float("alpha", 0.5f);
  b.output(b.op("Gemm", {h, w2}, gemm));
  return b.model();
}

}  // namespace wisp::test
