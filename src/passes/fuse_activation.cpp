// Activation fusion: Conv/Gemm (and the com.wisp NhwcConv/NhwcDepthwiseConv) followed by Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid,
// HardSwish, Tanh or Gelu becomes one node whose kernel applies the activation after the bias
// (ref::Epilogue, carried by the wisp_activation* attributes of ir/ops/epilogue_attrs.hpp).
// SiLU, which ONNX spells Mul(y, Sigmoid(y)), is recognised as that pair (either Mul operand
// order) when y is read by exactly those two nodes; it is fused as the "Silu" activation.
// The fused node takes over the activation's output value, so names downstream (and graph
// outputs) are unchanged. Conditions: the Conv/Gemm output is read only by the activation,
// the node has no fused activation yet, its type is known to be floating point, and Clip's
// bounds are constants.
#include <limits>

#include "ir/ops/epilogue_attrs.hpp"
#include "passes/passes.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {
namespace {

using ref::EpilogueAct;

// The epilogue equivalent to `act`, or nullopt if it cannot be expressed.
std::optional<ref::Epilogue> epilogue_of(const Node& act) {
  if (!act.domain.empty() || !act.has_input(0) || act.outputs.size() != 1 || !act.has_output(0)) return std::nullopt;
  ref::Epilogue e;
  e.act = epilogue_act_of(act.op_type);
  if (e.act == EpilogueAct::kGelu && act.attrs.get_string("approximate", "none") == "tanh") e.act = EpilogueAct::kGeluTanh;
  switch (e.act) {
    case EpilogueAct::kNone: return std::nullopt;
    case EpilogueAct::kLeakyRelu: e.alpha = act.attrs.get_float("alpha", 0.01f); break;
    case EpilogueAct::kHardSigmoid:
      e.alpha = act.attrs.get_float("alpha", 0.2f);
      e.beta = act.attrs.get_float("beta", 0.5f);
      break;
    case EpilogueAct::kHardSwish:  // ONNX HardSwish is HardSigmoid(alpha=1/6, beta=0.5) * x
      e.alpha = 1.0f / 6.0f;
      e.beta = 0.5f;
      break;
    case EpilogueAct::kClip: {
      e.alpha = -std::numeric_limits<float>::infinity();
      e.beta = std::numeric_limits<float>::infinity();
      if (act.has_input(1)) {
        const std::optional<double> lo = scalar_constant(act.inputs[1]);
        if (!lo) return std::nullopt;
        e.alpha = static_cast<float>(*lo);
      }
      if (act.has_input(2)) {
        const std::optional<double> hi = scalar_constant(act.inputs[2]);
        if (!hi) return std::nullopt;
        e.beta = static_cast<float>(*hi);
      }
      break;
    }
    default: break;
  }
  return e;
}

// The NHWC convs of passes/layout_nhwc.cpp (com.wisp) carry the same epilogue.
bool is_nhwc_conv(const Node& p) {
  return p.domain == "com.wisp" && (p.op_type == "NhwcConv" || p.op_type == "NhwcDepthwiseConv");
}

bool fusable_producer(const Node& p) {
  if (is_nhwc_conv(p)) return !p.attrs.has(kActivationAttr) && p.outputs.size() == 1;
  if (!p.domain.empty() || (p.op_type != "Conv" && p.op_type != "Gemm")) return false;
  if (p.attrs.has(kActivationAttr) || p.outputs.size() != 1) return false;
  // Conv is floating point only; a Gemm may be integer, where activations do not apply.
  return p.op_type == "Conv" || dtype_is_float(known_dtype(p.inputs[0])) || dtype_is_float(known_dtype(p.inputs[1]));
}

// The attribute value naming the fused activation (read back by epilogue_act_of).
const char* act_name(EpilogueAct a, const Node& act) {
  if (a == EpilogueAct::kGeluTanh) return "GeluTanh";
  if (a == EpilogueAct::kSilu) return "Silu";
  return act.op_type.c_str();
}

void fuse_into(Graph& g, Node& p, const ref::Epilogue& e, const Node& act, const std::vector<const Node*>& dead) {
  p.attrs.set_string(kActivationAttr, act_name(e.act, act));
  if (e.act == EpilogueAct::kClip || e.act == EpilogueAct::kLeakyRelu || e.act == EpilogueAct::kHardSigmoid ||
      e.act == EpilogueAct::kHardSwish) {
    p.attrs.set_float(kActivationAlphaAttr, e.alpha);
    p.attrs.set_float(kActivationBetaAttr, e.beta);
  }
  take_over_output(p, 0, act.outputs[0]);
  remove_nodes(g, dead);
}

// Mul(y, Sigmoid(y)) with y = p's output read by nothing else: fused as SiLU.
bool fuse_silu(Graph& g, const UseMap& uses, Node& mul) {
  if (mul.op_type != "Mul" || !mul.domain.empty() || mul.inputs.size() != 2 || !mul.has_input(0) ||
      !mul.has_input(1) || !mul.has_output(0))
    return false;
  for (size_t side = 0; side < 2; ++side) {
    Value* y = mul.inputs[side];
    Value* s = mul.inputs[1 - side];
    Node* sig = s->producer;
    if (!sig || sig->op_type != "Sigmoid" || !sig->domain.empty() || sig->inputs.size() != 1 || sig->inputs[0] != y)
      continue;
    Node* p = y->producer;
    if (!p || !fusable_producer(*p) || !uses.single_use(s) || uses.is_graph_output(y) || uses.uses(y).size() != 2)
      continue;
    ref::Epilogue e;
    e.act = EpilogueAct::kSilu;
    fuse_into(g, *p, e, mul, {sig, &mul});
    return true;
  }
  return false;
}

bool fuse_one(Graph& g) {
  const UseMap uses(g);
  for (const auto& np : g.nodes()) {
    Node& act = *np;
    if (fuse_silu(g, uses, act)) return true;
    const std::optional<ref::Epilogue> e = epilogue_of(act);
    if (!e) continue;
    Node* p = act.inputs[0]->producer;
    if (!p || !fusable_producer(*p) || !uses.single_use(act.inputs[0])) continue;
    fuse_into(g, *p, *e, act, {&act});
    return true;
  }
  return false;
}

}  // namespace

bool fuse_activation(Graph& g) {
  bool changed = false;
  while (fuse_one(g)) changed = true;
  return changed;
}

}  // namespace wisp::passes
