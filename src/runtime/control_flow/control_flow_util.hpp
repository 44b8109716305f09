// Shared pieces of the control-flow ops (If, Loop, Scan), which live in the runtime because
// their kernels run subgraphs (src/runtime/subgraph_runner.hpp).
//
// How they run: infer builds one SubgraphRunner per body and keeps it in the step's params
// (so a body is prepared once per Session, not per run), takes the output types from the
// prepared body, and declares every output dynamic: shapes are known only after the body
// ran (If's branches may differ, Loop's scan outputs grow per iteration). The kernels then
// allocate their outputs with alloc_output, and they also allocate while running (loop-
// carried double buffers, per-iteration slices and scan-output accumulators): control flow
// is, with data-dependent shapes, the documented exception to "no allocation in run".
#pragma once
#include <cstring>
#include <memory>
#include <vector>

#include "core/status.hpp"
#include "ir/implicit_inputs.hpp"
#include "ir/op_registry.hpp"
#include "runtime/subgraph_runner.hpp"

namespace wisp::control_flow {

// The node's inputs as infer sees them: type and shape always, data where known now.
struct InferInputs {
  std::vector<TensorView> views;
  std::vector<const TensorView*> ptrs;  // null for omitted inputs
  explicit InferInputs(const InferContext& ctx) {
    views.resize(static_cast<size_t>(ctx.num_inputs()));
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) continue;
      const TensorView* known = ctx.input_value(i);
      views[i] = known ? *known : TensorView{ctx.input_dtype(i), ctx.input_shape(i), nullptr};
    }
    for (int i = 0; i < ctx.num_inputs(); ++i) ptrs.push_back(ctx.has_input(i) ? &views[i] : nullptr);
  }
};

// A type/shape-only view (for preparing a body before any data exists).
inline TensorView shape_only(DType dtype, const Shape& shape) { return TensorView{dtype, shape, nullptr}; }

// The declared shape of a body input when fully static, else `fallback` (Loop's iteration
// number and condition are scalars, but some models declare them [1]).
inline Shape declared_or(const Value& v, const Shape& fallback) {
  if (!v.shape) return fallback;
  Shape s;
  for (const SymDim& d : *v.shape) {
    if (!d.is_static()) return fallback;
    s.push_back(d.value);
  }
  return s;
}

// Copies `src` into `dst`, reallocating `dst` when its type or shape differs. `dst` must
// not share storage with `src` (callers double-buffer).
inline void assign_copy(Tensor& dst, const TensorView& src) {
  if (dst.empty() || dst.dtype() != src.dtype || !(dst.shape() == src.shape)) dst = Tensor(src.dtype, src.shape);
  if (src.bytes() > 0) std::memcpy(dst.data(), src.data, static_cast<size_t>(src.bytes()));
}

// Allocates dynamic output i as a copy of `src`.
inline void output_copy(const KernelArgs& a, int i, const TensorView& src) {
  if (!a.has_out(static_cast<size_t>(i))) return;
  TensorView& out = a.alloc_output(i, src.dtype, src.shape);
  if (src.bytes() > 0) std::memmove(out.data, src.data, static_cast<size_t>(src.bytes()));
}

// Reads a one-element bool (or numeric) tensor as a condition.
inline bool read_condition(const TensorView& v, const Node& node, const char* what) {
  WISP_CHECK(v.numel() == 1, ErrorCode::kInvalidArgument, node.label(), ": ", what,
             " must have exactly one element, got shape ", v.shape.str());
  return element_as_int(v, 0) != 0;
}

}  // namespace wisp::control_flow
