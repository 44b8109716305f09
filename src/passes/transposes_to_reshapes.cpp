// A Transpose that moves only axes of size 1 keeps the elements in memory order: it is a
// Reshape, which the runtime runs as an alias (no copy). Typical after the NHWC layout pass:
// Transpose(0, 3, 1, 2) of a [N, 1, 1, C] pooled tensor before Flatten. Needs the input's
// static shape (passes/static_shapes.hpp; a shape that depends on a symbolic input dim is
// not static, and that Transpose stays).
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"
#include "passes/static_shapes.hpp"

namespace wisp::passes {
namespace {

// The axes of size other than 1 keep their relative order under perm.
bool moves_only_unit_axes(const Shape& s, const std::vector<int64_t>& perm) {
  int64_t last = -1;
  for (int64_t src : perm) {
    if (src < 0 || src >= s.rank()) return false;
    if (s[int(src)] == 1) continue;
    if (src < last) return false;
    last = src;
  }
  return true;
}

}  // namespace

bool transposes_to_reshapes(Graph& g) {
  bool any_transpose = false;
  for (const auto& n : g.nodes()) any_transpose |= n->op_type == "Transpose" && n->domain.empty();
  if (!any_transpose) return false;
  const StaticShapes shapes(g);
  bool changed = false;
  for (const auto& np : g.nodes()) {
    Node& t = *np;
    if (t.op_type != "Transpose" || !t.domain.empty() || !t.has_input(0) || !t.has_output(0) || !t.attrs.has("perm"))
      continue;
    const TensorView* in = shapes.find(t.inputs[0]);
    if (!in || !shapes.find(t.outputs[0])) continue;  // output inferred: perm checked valid
    const std::vector<int64_t> perm = t.attrs.get_ints("perm");
    if (int(perm.size()) != in->shape.rank()) continue;
    if (!moves_only_unit_axes(in->shape, perm)) continue;
    Tensor shape(DType::kI64, Shape{int64_t(perm.size())});
    for (size_t d = 0; d < perm.size(); ++d) shape.as<int64_t>()[d] = in->shape[int(perm[d])];
    t.op_type = "Reshape";
    t.attrs = Attributes{};
    if (in->shape.numel() == 0) t.attrs.set_int("allowzero", 1);  // a 0 dim is a size, not "copy"
    t.inputs.push_back(g.add_constant(g.unique_name(t.name + "_shape"), shape));
    changed = true;
  }
  return changed;
}

}  // namespace wisp::passes
