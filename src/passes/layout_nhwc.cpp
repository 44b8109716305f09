// The layout pass: NCHW -> NHWC for float convs and pools, where it pays.
//
// Why: the x86 NCHW Conv packs its activations into GEMM panels on every run (im2col for
// KxK), while in NHWC a 1x1 conv is a plain GEMM over the activations in place with the
// packed weights as the constant operand, and a KxK conv an indirect GEMM (docs/nhwc in
// docs/architecture.md). The ops: NhwcConv, NhwcDepthwiseConv, NhwcMaxPool,
// NhwcAveragePool, NhwcGlobalAveragePool (com.wisp, src/ir/ops/conv_nhwc.cpp, pool_nhwc.cpp).
//
// Steps:
//  1. Eligible nodes (float32, 4-D, ai.onnx): Conv with a constant W, group 1 -> NhwcConv,
//     depthwise (W[1] == 1, group == C) -> NhwcDepthwiseConv, other groups stay; MaxPool
//     without Indices and storage_order 0; AveragePool; GlobalAveragePool. Each becomes
//     Transpose(0,2,3,1) -> Nhwc op -> Transpose(0,3,1,2) (a fused residual input too).
//  2. Clean-up to a fixed point: merge_transposes cancels back-to-back pairs (also where a
//     value has several readers), cancel_transposes_around_elementwise sinks conversions
//     through elementwise ops and Concat, fold_constant_transpose; then Transposes that
//     move only size-1 axes become Reshapes (transposes_to_reshapes).
//  3. Cost rule ("does NHWC pay"): NHWC removes, per NhwcConv, the per-run packing of its
//     input (C/group*kH*kW x OH*OW elements per image, the im2col / B-panel volume); it
//     adds one strided copy per conversion left. Keep NHWC when
//         (elements of the conversions left) <= (packing elements removed)
//     i.e. the conversions must copy no more than the packing they save. (The first rule
//     asked for half -- a guess that a transposing copy is twice as slow per element --
//     and kept shufflenet_v2 NCHW at 1.13 M conversion vs 1.36 M packing elements;
//     measured, NHWC ran it faster: 4.12-4.50 vs 4.70-4.90 ms, 1 thread, load ~2.3, as
//     the NHWC depthwise and pool kernels also gain, which the rule does not count.)
//     Otherwise the graph stays NCHW. Steps 1-2 run on a copy to decide, then again on the graph if NHWC wins.
// Gate (resolve_layout): kAuto means NHWC only where best_isa() has a non-reference
// NhwcConv kernel, so ARM and reference builds stay NCHW; WISP_LAYOUT overrides kAuto.
#include "passes/layout_nhwc.hpp"

#include <cstdlib>
#include <map>
#include <string_view>

#include "cpu/cpu_features.hpp"
#include "ir/graph_clone.hpp"
#include "kernels/kernel_registry.hpp"
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"
#include "passes/static_shapes.hpp"

namespace wisp {
namespace {

constexpr const char* kWisp = "com.wisp";
const std::vector<int64_t> kToNhwc{0, 2, 3, 1}, kToNchw{0, 3, 1, 2};

bool is_conversion(const Node& n) {
  if (n.op_type != "Transpose" || !n.domain.empty() || !n.attrs.has("perm")) return false;
  const std::vector<int64_t> p = n.attrs.get_ints("perm");
  return p == kToNhwc || p == kToNchw;
}

bool is_nhwc_op(const Node& n) { return n.domain == kWisp && std::string_view(n.op_type).starts_with("Nhwc"); }

// The Nhwc op a node becomes, or null.
const char* nhwc_form(const Node& n, const passes::StaticShapes& shapes) {
  if (!n.domain.empty() || !n.has_input(0) || n.outputs.empty() || !n.has_output(0)) return nullptr;
  const TensorView* x = shapes.find(n.inputs[0]);
  const DType xt = x ? x->dtype : passes::known_dtype(n.inputs[0]);
  if (x && x->shape.rank() != 4) return nullptr;
  if (n.op_type == "Conv") {
    const Tensor* w = n.inputs.size() > 1 ? passes::constant_of(n.inputs[1]) : nullptr;
    if (!w || w->dtype() != DType::kF32 || w->shape().rank() != 4 || n.outputs.size() != 1) return nullptr;
    if (xt != DType::kF32 && xt != DType::kUndefined) return nullptr;  // a valid Conv has X's type = W's
    const int64_t group = n.attrs.get_int("group", 1);
    if (group == 1) return "NhwcConv";
    return w->shape()[1] == 1 ? "NhwcDepthwiseConv" : nullptr;  // C = W[1] * group = group
  }
  if (xt != DType::kF32) return nullptr;
  const bool window_2d = n.attrs.get_ints("kernel_shape").size() == 2;
  if (n.op_type == "MaxPool" && window_2d && !n.has_output(1) && n.attrs.get_int("storage_order", 0) == 0)
    return "NhwcMaxPool";
  if (n.op_type == "AveragePool" && window_2d && n.outputs.size() == 1) return "NhwcAveragePool";
  if (n.op_type == "GlobalAveragePool" && x && n.outputs.size() == 1) return "NhwcGlobalAveragePool";
  return nullptr;
}

// Step 1. Returns the number of nodes rewritten.
int convert(Graph& g) {
  const passes::StaticShapes shapes(g, 1);
  std::vector<std::pair<Node*, const char*>> todo;
  for (const auto& n : g.nodes())
    if (const char* op = nhwc_form(*n, shapes)) todo.emplace_back(n.get(), op);
  std::map<const Value*, Value*> nhwc_of;  // one conversion per NCHW value, however many readers
  auto to_nhwc = [&](Value* v) {
    Value*& out = nhwc_of[v];
    if (!out) {
      out = g.add_value(g.unique_name(v->name + "_nhwc"));
      out->dtype = v->dtype;
      Node* t = g.add_node("Transpose", g.unique_name(v->name + "_to_nhwc"), {v}, {out});
      t->attrs.set_ints("perm", kToNhwc);
    }
    return out;
  };
  for (auto [n, op] : todo) {
    n->inputs[0] = to_nhwc(n->inputs[0]);
    if (n->inputs.size() > 3 && n->inputs[3]) n->inputs[3] = to_nhwc(n->inputs[3]);  // fused residual
    n->op_type = op;
    n->domain = kWisp;
    n->outputs.resize(1);  // MaxPool's absent Indices slot
    Value* y = n->outputs[0];
    Value* yn = g.add_value(g.unique_name(y->name + "_nhwc"));
    yn->dtype = y->dtype;
    passes::take_over_output(*n, 0, yn);
    Node* back = g.add_node("Transpose", g.unique_name(n->name + "_to_nchw"), {yn}, {y});
    back->attrs.set_ints("perm", kToNchw);
  }
  if (!todo.empty()) g.sort_topologically();
  return static_cast<int>(todo.size());
}

// Step 2.
void clean_up(Graph& g) {
  for (int round = 0; round < 16; ++round) {
    bool changed = passes::fold_constant_transpose(g);
    changed |= passes::merge_transposes(g);
    changed |= passes::cancel_transposes_around_elementwise(g);
    changed |= passes::eliminate_dead_nodes(g);
    if (!changed) break;
  }
  passes::transposes_to_reshapes(g);
}

// Cost sums saturate instead of overflowing (sizes of a model not yet validated).
constexpr int64_t kSaturated = int64_t(1) << 62;
int64_t saturating_add(int64_t a, int64_t b) { return a >= kSaturated - b ? kSaturated : a + b; }

struct Conversions {
  int count = 0;
  int64_t elements = 0;  // -1: some size unknown
};

Conversions conversions_in(const Graph& g) {
  const passes::StaticShapes shapes(g, 1);
  Conversions c;
  for (const auto& n : g.nodes()) {
    if (!is_conversion(*n)) continue;
    ++c.count;
    const TensorView* x = n->has_input(0) ? shapes.find(n->inputs[0]) : nullptr;
    if (!x || c.elements < 0) c.elements = -1;
    else c.elements = saturating_add(c.elements, x->shape.numel());
  }
  return c;
}

// Packing elements per run that the NCHW convs had and the NhwcConvs do not (-1: unknown).
int64_t packing_removed(const Graph& g) {
  const passes::StaticShapes shapes(g, 1);
  int64_t total = 0;
  for (const auto& n : g.nodes()) {
    if (n->domain != kWisp || n->op_type != "NhwcConv") continue;
    const TensorView* y = shapes.find(n->outputs[0]);
    const Tensor* w = passes::constant_of(n->inputs[1]);
    if (!y || !w) return -1;
    const Shape& ws = w->shape();  // [M, C, kH, kW]
    double elems = 1;  // in double: a malformed model's sizes must not overflow
    for (int64_t d : {y->shape[0], y->shape[1], y->shape[2], ws[1], ws[2], ws[3]}) elems *= static_cast<double>(d);
    total = saturating_add(total, elems >= 4e18 ? kSaturated : static_cast<int64_t>(elems));
  }
  return total;
}

}  // namespace

const char* layout_name(Layout layout) {
  switch (layout) {
    case Layout::kAuto: return "auto";
    case Layout::kNchw: return "nchw";
    case Layout::kNhwc: return "nhwc";
    case Layout::kNhwcAlways: return "nhwc-always";
  }
  return "?";
}

Layout resolve_layout(Layout requested) {
  if (requested != Layout::kAuto) return requested;
  if (const char* env = std::getenv("WISP_LAYOUT"); env && *env) {
    const std::string_view s(env);
    if (s == "nchw") return Layout::kNchw;
    if (s == "nhwc") return Layout::kNhwc;
    if (s == "nhwc-always") return Layout::kNhwcAlways;
    WISP_CHECK(s == "auto", ErrorCode::kInvalidArgument, "WISP_LAYOUT='", s,
               "' is not one of auto, nchw, nhwc, nhwc-always");
  }
  const KernelFn best = find_kernel(kWisp, "NhwcConv", DType::kF32, best_isa());
  const KernelFn ref = find_kernel(kWisp, "NhwcConv", DType::kF32, Isa::kRef);
  return best != ref ? Layout::kNhwc : Layout::kNchw;
}

void count_layout(const Graph& g, LayoutReport& report) {
  report.nhwc_nodes = 0;
  report.trivial_conversions = 0;
  for (const auto& n : g.nodes()) {
    report.nhwc_nodes += is_nhwc_op(*n);
    // transposes_to_reshapes keeps the conversion's name (.._to_nchw / .._to_nhwc).
    report.trivial_conversions += n->op_type == "Reshape" && (n->name.find("_to_nchw") != std::string::npos ||
                                                              n->name.find("_to_nhwc") != std::string::npos);
  }
  const Conversions c = conversions_in(g);
  report.conversions = c.count;
  report.conversion_elements = c.elements;
  if (report.nhwc_nodes > 0) report.decision = "nhwc";
}

namespace passes {

bool layout_nhwc(Graph& g, Layout layout, LayoutReport* report) {
  layout = resolve_layout(layout);
  LayoutReport ignored;
  LayoutReport& r = report ? *report : ignored;
  if (layout == Layout::kNchw) {
    r.decision = "nchw";
    if (r.reason.empty()) r.reason = "layout nchw (kAuto: no SIMD NhwcConv kernel for this CPU, or WISP_LAYOUT=nchw)";
    return false;
  }
  // Decide on a copy: the rewrite and clean-up are deterministic, so the graph gets the
  // same result when they run on it again.
  Graph trial;
  clone_graph_into(g, trial);
  const Conversions before = conversions_in(trial);
  const int converted = convert(trial);
  if (converted == 0) return false;
  clean_up(trial);
  const Conversions after = conversions_in(trial);
  const int64_t removed = packing_removed(trial);
  const int64_t added = after.elements < 0 || before.elements < 0 ? -1 : after.elements - before.elements;
  const bool pays = added >= 0 && removed >= 0 && added <= removed;
  const bool known = added >= 0 && removed >= 0;
  const std::string numbers =
      known ? str_cat(converted, " nodes, ", after.count - before.count, " conversions of ", added,
                      " elements left vs ", removed, " packing elements removed")
            : str_cat(converted, " nodes, ", after.count - before.count,
                      " conversions left; sizes unknown to shape inference, so NCHW unless forced");
  if (layout != Layout::kNhwcAlways && !pays) {
    r.decision = "nchw";
    r.reason = str_cat("NHWC does not pay (", numbers, "; rule: conversion elements <= packing removed)");
    return false;
  }
  convert(g);
  clean_up(g);
  r.decision = "nhwc";
  r.reason = str_cat(layout == Layout::kNhwcAlways ? "forced (nhwc-always): " : "pays: ", numbers);
  return true;
}

}  // namespace passes
}  // namespace wisp
