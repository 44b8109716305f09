// Binary elementwise ops with NumPy broadcasting, and the variadic Min/Max/Sum/Mean.
// Table-driven: op name, the kernel's BinOp, the accepted input types, bool output or not.
#include <string>
#include <string_view>

#include "ir/ops/elementwise_types.hpp"
#include "ir/ops/infer_util.hpp"
#include "kernels/ref/binary.hpp"

namespace wisp {
namespace {

using ref::BinOp;

struct BinaryOpInfo {
  std::string_view op_type;
  BinOp op;
  std::initializer_list<DType> types;
  bool bool_output;
};

const BinaryOpInfo kBinaryOps[] = {
    {"Add", BinOp::kAdd, types::kNumeric, false},
    {"Sub", BinOp::kSub, types::kNumeric, false},
    {"Mul", BinOp::kMul, types::kNumeric, false},
    {"Div", BinOp::kDiv, types::kNumeric, false},
    {"Pow", BinOp::kPow, types::kNumeric, false},
    {"Mod", BinOp::kMod, types::kNumeric, false},
    {"BitShift", BinOp::kBitShiftLeft, types::kInts, false},
    {"BitwiseAnd", BinOp::kBitwiseAnd, types::kInts, false},
    {"BitwiseOr", BinOp::kBitwiseOr, types::kInts, false},
    {"BitwiseXor", BinOp::kBitwiseXor, types::kInts, false},
    {"And", BinOp::kAnd, types::kBool, false},
    {"Or", BinOp::kOr, types::kBool, false},
    {"Xor", BinOp::kXor, types::kBool, false},
    {"Equal", BinOp::kEqual, types::kNumericAndBool, true},
    {"Greater", BinOp::kGreater, types::kNumeric, true},
    {"Less", BinOp::kLess, types::kNumeric, true},
    {"GreaterOrEqual", BinOp::kGreaterOrEqual, types::kNumeric, true},
    {"LessOrEqual", BinOp::kLessOrEqual, types::kNumeric, true},
};

void infer_binary(InferContext& ctx) {
  const BinaryOpInfo* info = nullptr;
  for (const BinaryOpInfo& b : kBinaryOps)
    if (b.op_type == ctx.node().op_type) info = &b;
  if (!info) ctx.fail_unsupported("not a binary elementwise op");
  require_dtype_in(ctx, 0, info->types);
  if (info->op == BinOp::kPow)
    require_dtype_in(ctx, 1, types::kNumeric);  // Pow's exponent may have another type
  else
    require_same_dtype(ctx, 0, 1);

  auto& p = ctx.params<ref::BinaryParams>();
  p.op = info->op;
  if (info->op == BinOp::kMod) p.fmod = ctx.attrs().get_int("fmod", 0) != 0;
  if (info->op == BinOp::kBitShiftLeft) {
    const std::string direction = ctx.attrs().get_string("direction", "");
    if (direction == "RIGHT")
      p.op = BinOp::kBitShiftRight;
    else if (direction != "LEFT")
      ctx.fail_invalid("direction must be \"LEFT\" or \"RIGHT\", not \"" + direction + "\"");
  }
  ctx.set_output(0, info->bool_output ? DType::kBool : ctx.input_dtype(0), broadcast_inputs(ctx));
}

void infer_variadic(InferContext& ctx) {
  const std::string_view op = ctx.node().op_type;
  const bool float_only = op == "Sum" || op == "Mean";
  require_dtype_in(ctx, 0, float_only ? types::kFloats : types::kNumeric);
  for (int i = 0; i < ctx.num_inputs(); ++i)
    if (!ctx.has_input(i)) ctx.fail_invalid(str_cat("input ", i, " is missing; every input must be given"));
  require_same_dtype(ctx, 0, ctx.num_inputs() - 1);
  auto& p = ctx.params<ref::BinaryParams>();
  p.op = op == "Min" ? BinOp::kMin : op == "Max" ? BinOp::kMax : BinOp::kAdd;
  p.mean = op == "Mean";
  ctx.set_output(0, ctx.input_dtype(0), broadcast_inputs(ctx));
}

}  // namespace

#define WISP_BINARY_OP(name) \
  WISP_REGISTER_OP({.op_type = name, .min_inputs = 2, .max_inputs = 2, .infer = infer_binary, .inplace_input = 0})
WISP_BINARY_OP("Add"); WISP_BINARY_OP("Sub"); WISP_BINARY_OP("Mul"); WISP_BINARY_OP("Div"); WISP_BINARY_OP("Pow");
WISP_BINARY_OP("Mod"); WISP_BINARY_OP("BitShift"); WISP_BINARY_OP("BitwiseAnd"); WISP_BINARY_OP("BitwiseOr");
WISP_BINARY_OP("BitwiseXor"); WISP_BINARY_OP("And"); WISP_BINARY_OP("Or"); WISP_BINARY_OP("Xor");
WISP_BINARY_OP("Equal"); WISP_BINARY_OP("Greater"); WISP_BINARY_OP("Less"); WISP_BINARY_OP("GreaterOrEqual");
WISP_BINARY_OP("LessOrEqual");
#undef WISP_BINARY_OP

// Not in place: with Sum(a, b, a) writing over a would corrupt the third operand.
#define WISP_VARIADIC_OP(name) \
  WISP_REGISTER_OP({.op_type = name, .min_inputs = 1, .max_inputs = 1 << 16, .infer = infer_variadic})
WISP_VARIADIC_OP("Min"); WISP_VARIADIC_OP("Max"); WISP_VARIADIC_OP("Sum"); WISP_VARIADIC_OP("Mean");
#undef WISP_VARIADIC_OP

}  // namespace wisp
