// Constant, ConstantOfShape, Shape and Size: ops that create tensors from attributes or
// from input shapes. All fold at prepare whenever their inputs' shapes are known.
#include "ir/ops/shape_op_util.hpp"
#include "kernels/ref/constant.hpp"

namespace wisp {
namespace {

template <class T>
Tensor tensor_from_values(const std::vector<T>& v, bool scalar) {
  Tensor t(dtype_of<T>(), scalar ? Shape{} : Shape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.as<T>()[i] = v[i];
  return t;
}

void infer_constant(InferContext& ctx) {
  const Attributes& at = ctx.attrs();
  auto& p = ctx.params<ref::ConstantParams>();
  if (at.has("sparse_value")) ctx.fail_unsupported("sparse_value is not supported");
  if (at.has("value_string") || at.has("value_strings")) ctx.fail_unsupported("string constants are not supported");
  if (at.has("value")) {
    p.value = at.require_tensor("value");
  } else if (at.has("value_float")) {
    p.value = tensor_from_values(std::vector<float>{at.get_float("value_float", 0)}, true);
  } else if (at.has("value_floats")) {
    p.value = tensor_from_values(at.get_floats("value_floats"), false);
  } else if (at.has("value_int")) {
    p.value = tensor_from_values(std::vector<int64_t>{at.get_int("value_int", 0)}, true);
  } else if (at.has("value_ints")) {
    p.value = tensor_from_values(at.get_ints("value_ints"), false);
  } else {
    ctx.fail_invalid("needs one of the attributes value, value_float(s), value_int(s)");
  }
  if (dtype_size(p.value.dtype()) <= 0)
    ctx.fail_unsupported(str_cat("a constant of type ", dtype_name(p.value.dtype()), " is not supported"));
  ctx.set_output(0, p.value.dtype(), p.value.shape());
}

void infer_constant_of_shape(InferContext& ctx) {
  auto& p = ctx.params<ref::ConstantOfShapeParams>();
  if (const Attribute* a = ctx.attrs().find("value")) {
    if (a->kind != Attribute::Kind::kTensor) ctx.fail_invalid("attribute value must be a tensor");
    if (a->t.numel() != 1) ctx.fail_invalid(str_cat("value must have one element, has ", a->t.numel()));
    p.value = a->t;
  } else {
    p.value = Tensor(DType::kF32, Shape{1});  // zero-filled
  }
  if (dtype_size(p.value.dtype()) <= 0) ctx.fail_unsupported(str_cat("value of type ", dtype_name(p.value.dtype())));
  const TensorView* shape = ctx.input_value(0);
  p.dynamic = !set_output_from_values(ctx, 0, p.value.dtype(), shape != nullptr,
                                      [&] { return ref::shape_from_values(*shape, "shape"); });
}

void infer_shape(InferContext& ctx) {
  auto& p = ctx.params<ref::ShapeParams>();
  p.start = ctx.attrs().get_int("start", 0);
  p.end = ctx.attrs().get_int("end", INT64_MAX);
  int lo = 0, hi = 0;
  ref::shape_slice_bounds(ctx.input_shape(0).rank(), p.start, p.end, lo, hi);
  ctx.set_output(0, DType::kI64, Shape{hi - lo});
}

void infer_size(InferContext& ctx) { ctx.set_output(0, DType::kI64, Shape{}); }

}  // namespace

WISP_REGISTER_OP({.op_type = "Constant", .min_inputs = 0, .max_inputs = 0, .infer = infer_constant});
WISP_REGISTER_OP({.op_type = "ConstantOfShape", .infer = infer_constant_of_shape});
WISP_REGISTER_OP({.op_type = "Shape", .infer = infer_shape, .reads_only_shapes = true});
WISP_REGISTER_OP({.op_type = "Size", .infer = infer_size, .reads_only_shapes = true});

}  // namespace wisp
