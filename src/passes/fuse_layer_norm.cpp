// LayerNorm from its decomposed form (what PyTorch exports below opset 17, TF/Keras and
// hand-written models produce) -> one LayerNormalization over the last axis:
//
//   mean = ReduceMean(x, [-1]);  d = Sub(x, mean)
//   var  = ReduceMean(Pow(d, 2) | Mul(d, d), [-1])
//   n    = Div(d, Sqrt(Add(var, eps)))   or   Mul(d, Reciprocal(Sqrt(Add(var, eps))))
//   y    = [Add(] [Mul(] n [, scale)] [, bias)]          (scale, bias: constants)
//
// Every intermediate must be read only inside the pattern (d exactly by the square and
// the division). Both ReduceMeans keep dims and reduce only the last axis (-1, or rank-1
// when x's rank is known). scale/bias must broadcast like LayerNormalization's (all dims
// but the last are 1, and no more dims than x, so the Mul/Add did not grow the shape);
// without a scale Mul, a scalar 1 is used (x's type must then be known). The first ReduceMean node becomes the
// LayerNormalization (it already sits after x's producer) and takes over y.
#include "passes/match_util.hpp"
#include "passes/passes.hpp"

namespace wisp::passes {
namespace {

bool reduces_last_axis_keepdims(const Node& rm, const Value* x) {
  if (rm.inputs.size() != 2 || rm.attrs.get_int("keepdims", 1) != 1) return false;
  const std::optional<std::vector<int64_t>> axes = ints_constant(rm.inputs[1]);
  if (!axes || axes->size() != 1 || (x->shape && x->shape->empty())) return false;  // a scalar has no last axis
  if ((*axes)[0] == -1) return true;
  return x->shape && (*axes)[0] == static_cast<int64_t>(x->shape->size()) - 1;
}

// A constant scale/bias that LayerNormalization broadcasts exactly as the Mul/Add did.
bool is_trailing_affine(const Value* c, const Value* x, DType dt) {
  const Tensor* t = constant_of(c);
  if (!t || !dtype_is_float(t->dtype()) || (dt != DType::kUndefined && t->dtype() != dt)) return false;
  const Shape& s = t->shape();
  for (int d = 0; d + 1 < s.rank(); ++d)
    if (s[d] != 1) return false;
  if (s.rank() == 0) return true;           // a scalar broadcasts to anything
  if (!x->shape) return s.rank() == 1;      // x has rank >= 1, so a vector cannot add dims
  if (x->shape->empty() || static_cast<int>(x->shape->size()) < s.rank()) return false;
  const SymDim& last = x->shape->back();
  const int64_t n = s[s.rank() - 1];
  return n == 1 || !last.is_static() || last.value == n;
}

bool fuse_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& rm1 = *np;
    if (rm1.op_type != "ReduceMean" || !rm1.domain.empty() || !rm1.has_input(0) || !rm1.has_output(0)) continue;
    Value* x = rm1.inputs[0];
    const DType dt = known_dtype(x);
    if ((dt != DType::kUndefined && !dtype_is_float(dt)) || !reduces_last_axis_keepdims(rm1, x)) continue;
    Node* sub = only_reader_op(uses, rm1.outputs[0], "Sub");
    if (!sub || sub->inputs[0] != x || sub->inputs[1] != rm1.outputs[0]) continue;
    Value* d = sub->outputs[0];
    if (uses.is_graph_output(d) || !uses.uses_replaceable(d)) continue;
    // d's readers: the square (Pow(d,2) or Mul(d,d), which reads d twice) and the division.
    Node *square = nullptr, *divide = nullptr;
    bool ok = true;
    for (const Use& u : uses.uses(d)) {
      Node* n = u.node;
      const bool is_square = n->domain.empty() && ((n->op_type == "Pow" && n->inputs[0] == d && is_scalar(n->inputs[1], 2.0)) ||
                                                   (n->op_type == "Mul" && n->inputs[0] == d && n->inputs[1] == d));
      if (is_square && (!square || square == n)) square = n;
      else if (!divide && n->domain.empty() && ((n->op_type == "Div" && u.input == 0) || n->op_type == "Mul")) divide = n;
      else ok = false;
    }
    if (!ok || !square || !divide) continue;
    Node* rm2 = only_reader_op(uses, square->outputs[0], "ReduceMean");
    if (!rm2 || rm2->inputs[0] != square->outputs[0] || !reduces_last_axis_keepdims(*rm2, x)) continue;
    Node* add_eps = only_reader_op(uses, rm2->outputs[0], "Add");
    if (!add_eps) continue;
    const std::optional<Value*> eps_v = other_input(*add_eps, rm2->outputs[0]);
    const std::optional<double> eps = eps_v ? scalar_constant(*eps_v) : std::nullopt;
    if (!eps || *eps < 0) continue;
    Node* sqrt = only_reader_op(uses, add_eps->outputs[0], "Sqrt");
    if (!sqrt) continue;
    std::vector<const Node*> dead = {sub, square, rm2, add_eps, sqrt, divide};
    if (divide->op_type == "Div") {
      if (divide->inputs[1] != sqrt->outputs[0] || !uses.single_use(sqrt->outputs[0])) continue;
    } else {
      Node* recip = only_reader_op(uses, sqrt->outputs[0], "Reciprocal");
      if (!recip || other_input(*divide, d) != recip->outputs[0] || !uses.single_use(recip->outputs[0])) continue;
      dead.push_back(recip);
    }
    // Optional affine tail.
    Value* y = divide->outputs[0];
    Value *scale = nullptr, *bias = nullptr;
    if (Node* mul = only_reader_op(uses, y, "Mul")) {
      const std::optional<Value*> c = other_input(*mul, y);
      if (c && *c != y && is_trailing_affine(*c, x, dt)) {
        scale = *c;
        dead.push_back(mul);
        y = mul->outputs[0];
      }
    }
    if (Node* add = only_reader_op(uses, y, "Add")) {
      const std::optional<Value*> c = other_input(*add, y);
      if (c && *c != y && is_trailing_affine(*c, x, dt)) {
        bias = *c;
        dead.push_back(add);
        y = add->outputs[0];
      }
    }
    if (!scale) {
      if (dt != DType::kF32 && dt != DType::kF64) continue;
      Tensor one(dt, Shape{});
      if (dt == DType::kF32) one.as<float>()[0] = 1.0f;
      else one.as<double>()[0] = 1.0;
      scale = g.add_constant(g.unique_name(rm1.name + "_unit_scale"), std::move(one));
    }
    rm1.op_type = "LayerNormalization";
    rm1.inputs = {x, scale};
    if (bias) rm1.inputs.push_back(bias);
    rm1.attrs = Attributes{};
    rm1.attrs.set_int("axis", -1);
    rm1.attrs.set_float("epsilon", static_cast<float>(*eps));
    take_over_output(rm1, 0, y);
    remove_nodes(g, dead);
    return true;
  }
  return false;
}

}  // namespace

bool fuse_layer_norm(Graph& g) {
  bool changed = false;
  while (fuse_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
