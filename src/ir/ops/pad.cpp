// Pad, Trilu, DepthToSpace, SpaceToDepth.
#include "ir/ops/shape_op_util.hpp"
#include "kernels/ref/pad.hpp"

namespace wisp {
namespace {

void infer_pad(InferContext& ctx) {
  auto& p = ctx.params<ref::PadParams>();
  const std::string mode = ctx.attrs().get_string("mode", "constant");
  if (mode == "constant") p.mode = ref::PadMode::kConstant;
  else if (mode == "reflect") p.mode = ref::PadMode::kReflect;
  else if (mode == "edge") p.mode = ref::PadMode::kEdge;
  else if (mode == "wrap") p.mode = ref::PadMode::kWrap;
  else ctx.fail_invalid(str_cat("mode '", mode, "' is not one of constant, reflect, edge, wrap"));
  p.value_attr = ctx.attrs().get_float("value", 0.f);
  if (ctx.has_input(2)) {
    if (ctx.input_dtype(2) != ctx.input_dtype(0)) ctx.fail_invalid("constant_value must have the data's type");
    if (ctx.input_shape(2).numel() > 1) ctx.fail_invalid("constant_value must be a scalar");
  }
  (void)dispatch_dtype(ctx.input_dtype(0), "Pad", [](auto) { return 0; });
  const TensorView* pads = ctx.input_value(1);
  const TensorView* axes = ctx.input_value(3);
  const bool known = pads && (axes || !ctx.has_input(3));
  p.dynamic = !set_output_from_values(ctx, 0, ctx.input_dtype(0), known, [&] {
    p.plan = ref::plan_pad(ctx.input_shape(0), *pads, axes, p.mode);
    return p.plan.out;
  });
}

void infer_trilu(InferContext& ctx) {
  if (ctx.input_shape(0).rank() < 2) ctx.fail_invalid("input must have rank >= 2");
  if (ctx.has_input(1) && ctx.input_shape(1).numel() != 1) ctx.fail_invalid("k must be a scalar");
  ctx.params<ref::TriluParams>().upper = ctx.attrs().get_int("upper", 1) != 0;
  infer_same_as_input0(ctx);
}

void infer_depth_space(InferContext& ctx, bool to_space) {
  const Shape& in = ctx.input_shape(0);
  if (in.rank() != 4) ctx.fail_invalid(str_cat("input must be 4-D [N,C,H,W], got ", in.str()));
  const int64_t b = ctx.attrs().require_int("blocksize");
  if (b < 1) ctx.fail_invalid(str_cat("blocksize ", b, " must be >= 1"));
  const int64_t n = in[0], c = in[1], h = in[2], w = in[3];
  auto& p = ctx.params<ref::DepthToSpaceParams>();
  auto set_perm = [&](std::initializer_list<int> perm) {
    int i = 0;
    for (int v : perm) p.perm[i++] = v;
  };
  if (to_space) {
    if (c % (b * b) != 0) ctx.fail_invalid(str_cat("channels ", c, " are not divisible by blocksize^2 = ", b * b));
    const std::string mode = ctx.attrs().get_string("mode", "DCR");
    if (mode == "DCR") {
      p.in6 = Shape{n, b, b, c / (b * b), h, w};
      set_perm({0, 3, 4, 1, 5, 2});
    } else if (mode == "CRD") {
      p.in6 = Shape{n, c / (b * b), b, b, h, w};
      set_perm({0, 1, 4, 2, 5, 3});
    } else {
      ctx.fail_invalid(str_cat("mode '", mode, "' is not DCR or CRD"));
    }
    ctx.set_output(0, ctx.input_dtype(0), Shape{n, c / (b * b), h * b, w * b});
  } else {
    if (h % b != 0 || w % b != 0) ctx.fail_invalid(str_cat("H and W of ", in.str(), " are not divisible by ", b));
    p.in6 = Shape{n, c, h / b, b, w / b, b};
    set_perm({0, 3, 5, 1, 2, 4});
    ctx.set_output(0, ctx.input_dtype(0), Shape{n, c * b * b, h / b, w / b});
  }
}

void infer_depth_to_space(InferContext& ctx) { infer_depth_space(ctx, true); }
void infer_space_to_depth(InferContext& ctx) { infer_depth_space(ctx, false); }

}  // namespace

WISP_REGISTER_OP({.op_type = "Pad", .min_inputs = 1, .max_inputs = 4, .infer = infer_pad});
WISP_REGISTER_OP({.op_type = "Trilu", .min_inputs = 1, .max_inputs = 2, .infer = infer_trilu});
WISP_REGISTER_OP({.op_type = "DepthToSpace", .infer = infer_depth_to_space});
WISP_REGISTER_OP({.op_type = "SpaceToDepth", .infer = infer_space_to_depth});

}  // namespace wisp
