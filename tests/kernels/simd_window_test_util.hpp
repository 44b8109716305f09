// Runs one window op (Conv, pools) through a real Session at a chosen ISA and thread count,
// for the tests of the direct SIMD window kernels against the reference kernels.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "ir/graph.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp::test {

// The SIMD ISAs this CPU runs (empty: none, the tests skip).
inline std::vector<Isa> simd_isas() {
  std::vector<Isa> isas;
  const Isa best = best_isa();
  if (best == Isa::kAvx2 || best == Isa::kAvx512) isas.push_back(Isa::kAvx2);
  if (best == Isa::kAvx512) isas.push_back(Isa::kAvx512);
  return isas;
}

// One node `op` with graph input x (random from `seed`) and `constants` as initializers.
inline std::vector<Tensor> run_window_op(const std::string& op, const Tensor& x, const std::vector<Tensor>& constants,
                                         const Attributes& attrs, int outputs, Isa isa, int threads) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = 19;
  Value* xv = g.add_value("x");
  xv->dtype = DType::kF32;
  xv->shape = SymShape{};
  for (int64_t d : x.shape()) xv->shape->push_back(SymDim{d, ""});
  g.inputs.push_back(xv);
  std::vector<Value*> ins{xv};
  // Fixed names: GCC 12 gives a false -Wrestrict on "c" + std::to_string(i).
  static const char* const kConstNames[] = {"c0", "c1", "c2", "c3"};
  static const char* const kOutNames[] = {"y0", "y1"};
  EXPECT_LE(constants.size(), std::size(kConstNames));
  EXPECT_LE(outputs, 2);
  for (size_t i = 0; i < constants.size(); ++i) ins.push_back(g.add_constant(kConstNames[i], constants[i]));
  std::vector<Value*> outs;
  for (int i = 0; i < outputs; ++i) outs.push_back(g.add_value(kOutNames[i]));
  Node* n = g.add_node(op, "node", ins, outs);
  n->attrs = attrs;
  for (Value* o : outs) g.outputs.push_back(o);
  SessionConfig config;
  config.max_isa = isa;
  config.threads = threads;
  Session s(model, config);
  return s.run({{"x", x.view()}});
}

// got == want element for element, bit for bit (same ISA, other thread count).
inline ::testing::AssertionResult bit_identical(const Tensor& got, const Tensor& want) {
  if (got.shape() != want.shape()) return ::testing::AssertionFailure() << "shape " << got.shape().str();
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float a = got.as<float>()[i], b = want.as<float>()[i];
    if (std::memcmp(&a, &b, sizeof a) != 0)
      return ::testing::AssertionFailure() << "element " << i << ": " << a << " vs " << b;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace wisp::test
