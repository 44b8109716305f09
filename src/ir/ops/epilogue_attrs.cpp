#include "ir/ops/epilogue_attrs.hpp"

#include <string>

namespace wisp {

ref::EpilogueAct epilogue_act_of(std::string_view op_type) {
  using A = ref::EpilogueAct;
  if (op_type == "Relu") return A::kRelu;
  if (op_type == "Clip") return A::kClip;
  if (op_type == "LeakyRelu") return A::kLeakyRelu;
  if (op_type == "Sigmoid") return A::kSigmoid;
  if (op_type == "HardSigmoid") return A::kHardSigmoid;
  if (op_type == "HardSwish") return A::kHardSwish;
  if (op_type == "Tanh") return A::kTanh;
  // Not ONNX ops: the names fuse_activation writes for Mul(x, Sigmoid(x)) and for Gelu with
  // approximate = "none" / "tanh".
  if (op_type == "Silu") return A::kSilu;
  if (op_type == "Gelu") return A::kGelu;
  if (op_type == "GeluTanh") return A::kGeluTanh;
  return A::kNone;
}

ref::Epilogue read_epilogue(const InferContext& ctx) {
  ref::Epilogue e;
  const Attributes& at = ctx.attrs();
  if (!at.has(kActivationAttr)) return e;
  const std::string name = at.get_string(kActivationAttr, "");
  e.act = epilogue_act_of(name);
  if (e.act == ref::EpilogueAct::kNone)
    ctx.fail_invalid(str_cat(kActivationAttr, " '", name, "' is not an activation Wisp can fuse"));
  e.alpha = at.get_float(kActivationAlphaAttr, 0.0f);
  e.beta = at.get_float(kActivationBetaAttr, 0.0f);
  return e;
}

}  // namespace wisp
