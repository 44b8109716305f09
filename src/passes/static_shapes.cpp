#include "passes/static_shapes.hpp"

#include "ir/op_registry.hpp"

namespace wisp::passes {

StaticShapes::StaticShapes(const Graph& g, int64_t symbolic_dim) {
  for (const Value* in : g.inputs) {
    if (!in->shape || in->dtype == DType::kUndefined) continue;
    Shape s;
    bool ok = true;
    for (const SymDim& d : *in->shape) {
      const int64_t size = d.is_static() ? d.value : symbolic_dim;
      ok &= size >= 0;
      s.push_back(size);
    }
    if (ok) views_[in] = TensorView{in->dtype, s, nullptr};
  }
  for (const auto& np : g.nodes()) infer(*np);
}

const TensorView* StaticShapes::find(const Value* v) const {
  if (v && v->constant) return nullptr;
  auto it = views_.find(v);
  return it == views_.end() ? nullptr : &it->second;
}

const TensorView* StaticShapes::input(const Value* v) {
  if (v->constant) {
    auto [it, fresh] = views_.try_emplace(v);
    if (fresh) it->second = v->constant->view();
    return &it->second;
  }
  return find(v);
}

void StaticShapes::infer(const Node& n) {
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

}  // namespace wisp::passes
