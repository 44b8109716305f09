// Activation ops. The one-input activations are table-driven: op name, function, accepted
// types and the attributes (with ONNX defaults) mapped onto ActivationParams.
// PRelu broadcasts its slope to X (unidirectional); Clip takes optional min/max inputs
// (opset < 11 attributes are turned into inputs by the ONNX converter).
#include <string>
#include <string_view>

#include "ir/ops/elementwise_types.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/activation.hpp"

namespace wisp {
namespace {

using ref::ActFn;

struct ActivationInfo {
  std::string_view op_type;
  ActFn fn;
  std::initializer_list<DType> types;
  float alpha, beta, gamma;  // defaults of the attributes read below
};

// Selu's defaults are the float32 values ONNX specifies.
const ActivationInfo kActivations[] = {
    {"Relu", ActFn::kRelu, types::kSignedNumeric, 0, 0, 0},
    {"LeakyRelu", ActFn::kLeakyRelu, types::kFloats, 0.01f, 0, 0},
    {"Elu", ActFn::kElu, types::kFloats, 1.0f, 0, 0},
    {"Selu", ActFn::kSelu, types::kFloats, 1.67326319217681884765625f, 0, 1.05070102214813232421875f},
    {"Celu", ActFn::kCelu, types::kFloats, 1.0f, 0, 0},
    {"Sigmoid", ActFn::kSigmoid, types::kFloats, 0, 0, 0},
    {"HardSigmoid", ActFn::kHardSigmoid, types::kFloats, 0.2f, 0.5f, 0},
    {"HardSwish", ActFn::kHardSwish, types::kFloats, 1.0f / 6.0f, 0.5f, 0},
    {"Tanh", ActFn::kTanh, types::kFloats, 0, 0, 0},
    {"Softplus", ActFn::kSoftplus, types::kFloats, 0, 0, 0},
    {"Softsign", ActFn::kSoftsign, types::kFloats, 0, 0, 0},
    {"ThresholdedRelu", ActFn::kThresholdedRelu, types::kFloats, 1.0f, 0, 0},
    {"Shrink", ActFn::kShrink, types::kNumeric, 0, 0.0f, 0.5f},
    {"Gelu", ActFn::kGelu, types::kFloats, 0, 0, 0},
    {"Mish", ActFn::kMish, types::kFloats, 0, 0, 0},
};

void infer_activation(InferContext& ctx) {
  const ActivationInfo* info = nullptr;
  for (const ActivationInfo& a : kActivations)
    if (a.op_type == ctx.node().op_type) info = &a;
  if (!info) ctx.fail_unsupported("not an activation op");
  require_dtype_in(ctx, 0, info->types);

  auto& p = ctx.params<ref::ActivationParams>();
  const Attributes& at = ctx.attrs();
  p.fn = info->fn;
  p.alpha = at.get_float("alpha", info->alpha);
  p.beta = at.get_float("beta", info->beta);
  p.gamma = at.get_float("gamma", info->gamma);
  if (info->fn == ActFn::kShrink) {
    p.beta = at.get_float("bias", info->beta);
    p.gamma = at.get_float("lambd", info->gamma);
  }
  if (info->fn == ActFn::kCelu && p.alpha == 0) ctx.fail_invalid("Celu alpha must not be 0");
  if (info->fn == ActFn::kGelu) {
    const std::string approximate = at.get_string("approximate", "none");
    if (approximate == "tanh")
      p.fn = ActFn::kGeluTanh;
    else if (approximate != "none")
      ctx.fail_invalid("approximate must be \"none\" or \"tanh\", not \"" + approximate + "\"");
  }
  infer_same_as_input0(ctx);
}

void infer_prelu(InferContext& ctx) {
  require_dtype_in(ctx, 0, types::kNumeric);
  require_same_dtype(ctx, 0, 1);
  // Unidirectional: slope must broadcast to X without growing it.
  const Shape& x = ctx.input_shape(0);
  const Shape& slope = ctx.input_shape(1);
  if (!(broadcast_shapes(x, slope, ctx.node().label()) == x))
    ctx.fail_invalid(str_cat("slope of shape ", slope.str(), " does not broadcast to X of shape ", x.str()));
  infer_same_as_input0(ctx);
}

void infer_clip(InferContext& ctx) {
  require_dtype_in(ctx, 0, types::kNumeric);
  for (int i = 1; i <= 2; ++i) {
    if (!ctx.has_input(i)) continue;
    if (ctx.input_shape(i).numel() != 1)
      ctx.fail_invalid(str_cat(i == 1 ? "min" : "max", " must be a scalar, got shape ", ctx.input_shape(i).str()));
    require_dtype_in(ctx, i, types::kNumeric);
  }
  infer_same_as_input0(ctx);
}

}  // namespace

#define WISP_ACT_OP(name) WISP_REGISTER_OP({.op_type = name, .infer = infer_activation, .inplace_input = 0})
WISP_ACT_OP("Relu"); WISP_ACT_OP("LeakyRelu"); WISP_ACT_OP("Elu"); WISP_ACT_OP("Selu"); WISP_ACT_OP("Celu");
WISP_ACT_OP("Sigmoid"); WISP_ACT_OP("HardSigmoid"); WISP_ACT_OP("HardSwish"); WISP_ACT_OP("Tanh");
WISP_ACT_OP("Softplus"); WISP_ACT_OP("Softsign"); WISP_ACT_OP("ThresholdedRelu"); WISP_ACT_OP("Shrink");
WISP_ACT_OP("Gelu"); WISP_ACT_OP("Mish");
#undef WISP_ACT_OP
WISP_REGISTER_OP({.op_type = "PRelu", .min_inputs = 2, .max_inputs = 2, .infer = infer_prelu, .inplace_input = 0});
WISP_REGISTER_OP({.op_type = "Clip", .min_inputs = 1, .max_inputs = 3, .infer = infer_clip, .inplace_input = 0});

}  // namespace wisp
