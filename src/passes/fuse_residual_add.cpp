// Residual Add fusion: Add(Conv(x), r) -> Conv(x, W, B, r) with attribute wisp_residual, the
// Conv kernel adding r after the bias and before any fused activation. A ResNet block's
// Conv -> Add -> Relu then becomes one node once fuse_activation (which runs after this
// pass) folds the Relu: the output is written once instead of read and written twice more.
//
// Conditions: the Conv is group 1 (the kernels that add the residual), has no fused
// activation yet (it would have to apply after the Add), no residual yet, its output is
// read only by the Add, and both Add operands have the same known shape (no broadcast)
// and float type. Imported graphs rarely declare intermediate shapes, so the shapes are
// worked out here by running each op's shape inference in node order from the static
// graph input shapes (any value it cannot settle counts as unknown: no fusion there).
// The Conv takes over the Add's output; as the residual may be produced after the Conv
// in node order, the graph is re-sorted topologically.
#include <map>

#include "ir/op_registry.hpp"
#include "ir/ops/epilogue_attrs.hpp"
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

// Static shapes of the values, where shape inference from the graph inputs settles them.
class StaticShapes {
 public:
  explicit StaticShapes(const Graph& g) {
    for (const Value* in : g.inputs) {
      if (!in->shape || in->dtype == DType::kUndefined) continue;
      Shape s;
      bool ok = true;
      for (const SymDim& d : *in->shape) {
        ok &= d.is_static();
        s.push_back(d.value);
      }
      if (ok) views_[in] = TensorView{in->dtype, s, nullptr};
    }
    for (const auto& np : g.nodes()) infer(*np);
  }
  const TensorView* find(const Value* v) const {
    if (v && v->constant) return nullptr;  // a constant residual is not the case fused here
    auto it = views_.find(v);
    return it == views_.end() ? nullptr : &it->second;
  }

 private:
  const TensorView* input(const Value* v) {
    if (v->constant) {
      auto [it, fresh] = views_.try_emplace(v);
      if (fresh) it->second = v->constant->view();
      return &it->second;
    }
    return find(v);
  }
  void infer(const Node& n) {
    const OpSchema* schema = find_op_schema(n.domain, n.op_type);
    if (!schema || !schema->infer) return;
    std::vector<const TensorView*> ins;
    for (const Value* v : n.inputs) {
      if (!v) {
        ins.push_back(nullptr);
        continue;
      }
      const TensorView* t = input(v);
      if (!t) return;
      ins.push_back(t);
    }
    try {
      InferContext ctx(n, ins, /*values_known=*/false);
      schema->infer(ctx);
      for (size_t i = 0; i < n.outputs.size(); ++i) {
        const auto& info = ctx.outputs()[i];
        if (n.outputs[i] && info.set && !info.dynamic) views_[n.outputs[i]] = TensorView{info.dtype, info.shape, nullptr};
      }
    } catch (...) {  // not settled statically (data-dependent, unsupported...): unknown
    }
  }
  std::map<const Value*, TensorView> views_;
};

bool same_static_shape(const StaticShapes& shapes, const Value* a, const Value* b) {
  const TensorView *ta = shapes.find(a), *tb = shapes.find(b);
  return ta && tb && ta->dtype == tb->dtype && dtype_is_float(ta->dtype) && ta->shape == tb->shape;
}

bool fusable_conv(const Node* conv) {
  return conv && conv->op_type == "Conv" && conv->domain.empty() && conv->outputs.size() == 1 &&
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
