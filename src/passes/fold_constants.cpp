// Constant folding before prepare, so that the rewrites after it (and the layout pass's
// static shapes) see the constants that shape arithmetic produces. Two rules, applied in
// node order so that a chain (Shape -> Gather -> Unsqueeze -> Concat -> Reshape's shape)
// folds in one sweep:
//  1. Shape / Size of a value whose (sliced) dims are all static -> an int64 constant. The
//     dims come from the graph's static input shapes through each op's shape inference
//     (StaticShapes, symbolic dims left unknown); for a graph input whose declared shape has
//     symbolic dims, Shape still folds when its start/end slice only covers static dims
//     (Shape(x[N,3,H,W], start=1, end=2) -> [3]). A symbolic dim is never folded.
//  2. Any other deterministic node whose inputs are all constants -> evaluated once with the
//     reference kernels (runtime/evaluate_node.hpp, shared with the Session's prepare-time
//     fold), its outputs replaced by constants of the same names (graph outputs included).
// Left alone: nondeterministic ops (RandomNormal...), nodes with subgraphs (If/Loop/Scan:
// a branch or body may be costly and is the runtime's business), com.wisp internal ops,
// DequantizeLinear (a quantized constant read through DQ is how a model stores int8/int4
// weights: the QDQ and int4 fusions match that pattern and run the integer kernels on the
// small weights; folding would write float weights instead), for the same reason Cast of
// an f16/bf16 constant (FP16 weights: the session widens them in memory at prepare, the
// file keeps them half size), nodes whose evaluation fails (prepare reports the error with
// context), and -- the size cap -- nodes whose folded outputs would take more than
// max(64 KiB, the bytes of their constant inputs): Expand/Tile/ConstantOfShape/Range could
// otherwise turn a few bytes of model into megabytes of file; the session still folds
// those at prepare, in memory.
#include <algorithm>

#include "kernels/ref/constant.hpp"
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"
#include "passes/static_shapes.hpp"
#include "runtime/evaluate_node.hpp"

namespace wisp::passes {
namespace {

constexpr const char* kWispDomain = "com.wisp";

// Reads stored weights in their compact form (see the file comment): left for prepare.
bool decompresses_weights(const Node& n) {
  if (n.op_type == "DequantizeLinear") return true;
  const DType in = n.has_input(0) ? known_dtype(n.inputs[0]) : DType::kUndefined;
  return n.op_type == "Cast" && (in == DType::kF16 || in == DType::kBF16);
}

bool has_subgraph(const Node& n) {
  return std::any_of(n.attrs.items().begin(), n.attrs.items().end(), [](const auto& item) {
    return item.second.kind == Attribute::Kind::kGraph || item.second.kind == Attribute::Kind::kGraphs;
  });
}

// The dims of `v` as far as they are known statically (-1 for an unknown dim), or nullopt
// when not even the rank is known.
std::optional<std::vector<int64_t>> known_dims(const Value* v, const StaticShapes& shapes, const Graph& g) {
  if (const Tensor* c = constant_of(v)) return std::vector<int64_t>(c->shape().begin(), c->shape().end());
  if (const TensorView* t = shapes.find(v)) return std::vector<int64_t>(t->shape.begin(), t->shape.end());
  // A graph input's declared shape is the contract the session binds inputs by; an
  // intermediate's declared value_info is not trusted (exporters get those wrong).
  if (v->shape && std::find(g.inputs.begin(), g.inputs.end(), v) != g.inputs.end()) {
    std::vector<int64_t> dims;
    for (const SymDim& d : *v->shape) dims.push_back(d.is_static() ? d.value : -1);
    return dims;
  }
  return std::nullopt;
}

// Rule 1: Shape / Size whose answer does not depend on any unknown dim.
std::optional<Tensor> fold_shape_op(const Node& n, const StaticShapes& shapes, const Graph& g) {
  if (!n.has_input(0)) return std::nullopt;
  const auto dims = known_dims(n.inputs[0], shapes, g);
  if (!dims) return std::nullopt;
  int lo = 0, hi = static_cast<int>(dims->size());
  if (n.op_type == "Shape")
    ref::shape_slice_bounds(hi, n.attrs.get_int("start", 0), n.attrs.get_int("end", INT64_MAX), lo, hi);
  for (int i = lo; i < hi; ++i)
    if ((*dims)[size_t(i)] < 0) return std::nullopt;
  if (n.op_type == "Shape") {
    Tensor t(DType::kI64, Shape{hi - lo});
    for (int i = lo; i < hi; ++i) t.as<int64_t>()[i - lo] = (*dims)[size_t(i)];
    return t;
  }
  int64_t numel = 1;  // overflow (a malformed declared shape): not folded, prepare reports it
  for (int64_t d : *dims)
    if (__builtin_mul_overflow(numel, d, &numel)) return std::nullopt;
  Tensor t(DType::kI64, Shape{});
  t.as<int64_t>()[0] = numel;
  return t;
}

// Rule 2: every input constant -> the outputs, or nullopt (see the file comment).
std::optional<std::vector<Tensor>> evaluate_constant_node(const Node& n) {
  std::vector<const TensorView*> ins;
  int64_t in_bytes = 0;
  for (const Value* v : n.inputs) {
    if (!v) {
      ins.push_back(nullptr);
      continue;
    }
    const Tensor* c = constant_of(v);
    if (!c) return std::nullopt;
    ins.push_back(&c->view());
    in_bytes += c->bytes();
  }
  EvaluateLimits limits;
  limits.max_output_bytes = std::max(kFoldedBytesFloor, in_bytes);
  try {
    return evaluate_node(n, ins, limits);
  } catch (const Error&) {
    return std::nullopt;  // an invalid node: prepare reports it, with the model's context
  }
}

void make_constant(Value* v, Tensor t) {
  v->dtype = t.dtype();
  SymShape s;
  for (int64_t d : t.shape()) s.push_back(SymDim{d, ""});
  v->shape = s;
  v->constant = std::make_shared<const Tensor>(std::move(t));
}

// One sweep in node order over the shapes known at its start.
bool fold_sweep(Graph& g) {
  const StaticShapes shapes(g);  // symbolic input dims stay unknown: never folded
  std::vector<const Node*> done;
  for (const auto& np : g.nodes()) {
    const Node& n = *np;
    if (n.domain == kWispDomain || decompresses_weights(n) || has_subgraph(n)) continue;
    const OpSchema* schema = find_op_schema(n.domain, n.op_type);
    if (!schema || schema->nondeterministic) continue;
    std::optional<std::vector<Tensor>> outs;
    if (n.domain.empty() && (n.op_type == "Shape" || n.op_type == "Size")) {
      if (auto t = fold_shape_op(n, shapes, g)) outs.emplace().push_back(std::move(*t));
    } else {
      outs = evaluate_constant_node(n);
    }
    if (!outs || outs->size() != n.outputs.size()) continue;
    for (size_t i = 0; i < n.outputs.size(); ++i)
      if (n.outputs[i]) make_constant(n.outputs[i], std::move((*outs)[i]));
    done.push_back(&n);
  }
  remove_nodes(g, done);  // unlinks the producers; the values keep their names and readers
  return !done.empty();
}

}  // namespace

bool fold_constants(Graph& g) {
  // Sweeps until nothing folds: a Slice whose bounds just folded has a static shape only in
  // the next sweep's StaticShapes, and a Shape of it folds then (shufflenet's channel
  // split needs one sweep per stage). Each sweep removes nodes, so this ends.
  bool changed = false;
  while (fold_sweep(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
