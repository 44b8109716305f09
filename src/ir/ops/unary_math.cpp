// Unary elementwise math ops, table-driven: each entry names the op, the function the
// kernel applies (kernels/ref/unary_math.hpp) and the input types ONNX allows for it.
// Output has the input's shape and type, except IsNaN/IsInf which output bool.
#include <string_view>

#include "ir/ops/elementwise_types.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/unary_math.hpp"

namespace wisp {
namespace {

using ref::UnaryFn;

struct UnaryOpInfo {
  std::string_view op_type;
  UnaryFn fn;
  std::initializer_list<DType> types;
};

const UnaryOpInfo kUnaryOps[] = {
    {"Abs", UnaryFn::kAbs, types::kNumeric},
    {"Neg", UnaryFn::kNeg, types::kSignedNumeric},
    {"Sign", UnaryFn::kSign, types::kNumeric},
    {"Reciprocal", UnaryFn::kReciprocal, types::kFloats},
    {"Floor", UnaryFn::kFloor, types::kFloats},
    {"Ceil", UnaryFn::kCeil, types::kFloats},
    {"Round", UnaryFn::kRound, types::kFloats},
    {"Sqrt", UnaryFn::kSqrt, types::kFloats},
    {"Exp", UnaryFn::kExp, types::kFloats},
    {"Log", UnaryFn::kLog, types::kFloats},
    {"Erf", UnaryFn::kErf, types::kFloats},
    {"Sin", UnaryFn::kSin, types::kFloats},
    {"Cos", UnaryFn::kCos, types::kFloats},
    {"Tan", UnaryFn::kTan, types::kFloats},
    {"Asin", UnaryFn::kAsin, types::kFloats},
    {"Acos", UnaryFn::kAcos, types::kFloats},
    {"Atan", UnaryFn::kAtan, types::kFloats},
    {"Sinh", UnaryFn::kSinh, types::kFloats},
    {"Cosh", UnaryFn::kCosh, types::kFloats},
    {"Asinh", UnaryFn::kAsinh, types::kFloats},
    {"Acosh", UnaryFn::kAcosh, types::kFloats},
    {"Atanh", UnaryFn::kAtanh, types::kFloats},
    {"IsNaN", UnaryFn::kIsNaN, types::kFloats},
    {"IsInf", UnaryFn::kIsInf, types::kFloats},
    {"Not", UnaryFn::kNot, types::kBool},
    {"BitwiseNot", UnaryFn::kBitwiseNot, types::kInts},
};

const UnaryOpInfo& unary_info(const InferContext& ctx) {
  for (const UnaryOpInfo& info : kUnaryOps)
    if (info.op_type == ctx.node().op_type) return info;
  ctx.fail_unsupported("not a unary math op");
}

void infer_unary(InferContext& ctx) {
  const UnaryOpInfo& info = unary_info(ctx);
  require_dtype_in(ctx, 0, info.types);
  auto& p = ctx.params<ref::UnaryParams>();
  p.fn = info.fn;
  if (info.fn == UnaryFn::kIsInf) {
    p.detect_positive = ctx.attrs().get_int("detect_positive", 1) != 0;
    p.detect_negative = ctx.attrs().get_int("detect_negative", 1) != 0;
  }
  const bool to_bool = info.fn == UnaryFn::kIsNaN || info.fn == UnaryFn::kIsInf;
  ctx.set_output(0, to_bool ? DType::kBool : ctx.input_dtype(0), ctx.input_shape(0));
}

}  // namespace

// IsNaN/IsInf change the element size, so they cannot run in place.
#define WISP_UNARY_OP(name) WISP_REGISTER_OP({.op_type = name, .infer = infer_unary, .inplace_input = 0})
WISP_UNARY_OP("Abs"); WISP_UNARY_OP("Neg"); WISP_UNARY_OP("Sign"); WISP_UNARY_OP("Reciprocal");
WISP_UNARY_OP("Floor"); WISP_UNARY_OP("Ceil"); WISP_UNARY_OP("Round"); WISP_UNARY_OP("Sqrt");
WISP_UNARY_OP("Exp"); WISP_UNARY_OP("Log"); WISP_UNARY_OP("Erf"); WISP_UNARY_OP("Sin");
WISP_UNARY_OP("Cos"); WISP_UNARY_OP("Tan"); WISP_UNARY_OP("Asin"); WISP_UNARY_OP("Acos");
WISP_UNARY_OP("Atan"); WISP_UNARY_OP("Sinh"); WISP_UNARY_OP("Cosh"); WISP_UNARY_OP("Asinh");
WISP_UNARY_OP("Acosh"); WISP_UNARY_OP("Atanh"); WISP_UNARY_OP("Not"); WISP_UNARY_OP("BitwiseNot");
#undef WISP_UNARY_OP
WISP_REGISTER_OP({.op_type = "IsNaN", .infer = infer_unary});
WISP_REGISTER_OP({.op_type = "IsInf", .infer = infer_unary});

}  // namespace wisp
