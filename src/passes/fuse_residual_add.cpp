// Residual Add fusion: Add(Conv(x), r) -> Conv(x, W, B, r) with attribute wisp_residual, the
// Conv kernel adding r after the bias and before any fused activation. A ResNet block's
// Conv -> Add -> Relu then becomes one node once fuse_activation (which runs after this
// pass) folds the Relu: the output is written once instead of read and written twice more.
//
// Conditions: the Conv is group 1 (the kernels that add the residual), has no fused
// activation yet (it would have to apply after the Add), no residual yet, its output is
// read only by the Add, and both Add operands have the same known shape (no broadcast)
// and float type (passes/static_shapes.hpp; unknown shapes: no fusion). The NHWC form
// (NhwcConv, com.wisp, passes/layout_nhwc.cpp) fuses the same way, R in NHWC.
// The Conv takes over the Add's output; as the residual may be produced after the Conv
// in node order, the graph is re-sorted topologically.
#include "ir/ops/epilogue_attrs.hpp"
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"
#include "passes/static_shapes.hpp"

namespace wisp::passes {
namespace {

bool same_static_shape(const StaticShapes& shapes, const Value* a, const Value* b) {
  const TensorView *ta = shapes.find(a), *tb = shapes.find(b);
  return ta && tb && ta->dtype == tb->dtype && dtype_is_float(ta->dtype) && ta->shape == tb->shape;
}

bool fusable_conv(const Node* conv) {
  const bool nchw = conv && conv->op_type == "Conv" && conv->domain.empty();
  const bool nhwc = conv && conv->op_type == "NhwcConv" && conv->domain == "com.wisp";
  return (nchw || nhwc) && conv->outputs.size() == 1 &&
         conv->attrs.get_int("group", 1) == 1 && !conv->attrs.has(kActivationAttr) &&
         !conv->attrs.has(kResidualAttr) && conv->inputs.size() <= 3;
}

bool fuse_one(Graph& g) {
  const UseMap uses(g);
  const StaticShapes shapes(g);
  for (const auto& np : g.nodes()) {
    Node& add = *np;
    if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2 || !add.has_input(0) ||
        !add.has_input(1) || !add.has_output(0) || add.inputs[0] == add.inputs[1])
      continue;
    for (size_t side = 0; side < 2; ++side) {
      Value* y = add.inputs[side];
      Value* residual = add.inputs[1 - side];
      Node* conv = y->producer;
      if (!fusable_conv(conv) || !uses.single_use(y) || !same_static_shape(shapes, y, residual)) continue;
      conv->inputs.resize(3, nullptr);  // no bias: input 2 stays absent
      conv->inputs.push_back(residual);
      conv->attrs.set_int(kResidualAttr, 1);
      take_over_output(*conv, 0, add.outputs[0]);
      remove_nodes(g, {&add});
      g.sort_topologically();
      return true;
    }
  }
  return false;
}

}  // namespace

bool fuse_residual_add(Graph& g) {
  bool changed = false;
  while (fuse_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
