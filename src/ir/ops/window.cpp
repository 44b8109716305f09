// HannWindow, HammingWindow, BlackmanWindow (opset 17): a 1-D window of `size` values.
#include "ir/ops/infer_util.hpp"
#include "ir/ops/onnx_dtype_code.hpp"
#include "kernels/ref/window.hpp"

namespace wisp {
namespace {

template <int kKind>
void infer_window(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kI32, DType::kI64});
  const std::vector<int64_t> size = ctx.input_ints(0, "size");
  if (size.size() != 1 || size[0] < 0) ctx.fail_invalid("size must be one non-negative integer");
  auto& p = ctx.params<ref::WindowParams>();
  const int64_t code = ctx.attrs().get_int("output_datatype", 1);
  p.out = dtype_from_onnx_code(code);
  if (p.out == DType::kUndefined || p.out == DType::kBool)
    ctx.fail_unsupported(str_cat("output_datatype ", onnx_code_name(code), " is not supported"));
  p.periodic = ctx.attrs().get_int("periodic", 1) != 0;
  if (kKind == 0) p.a0 = 0.5, p.a1 = 0.5;                               // Hann
  if (kKind == 1) p.a0 = 25.0 / 46.0, p.a1 = 21.0 / 46.0;               // Hamming
  if (kKind == 2) p.a0 = 0.42, p.a1 = 0.5, p.a2 = 0.08;                 // Blackman
  ctx.set_output(0, p.out, Shape{size[0]});
}

}  // namespace

WISP_REGISTER_OP({.op_type = "HannWindow", .infer = infer_window<0>});
WISP_REGISTER_OP({.op_type = "HammingWindow", .infer = infer_window<1>});
WISP_REGISTER_OP({.op_type = "BlackmanWindow", .infer = infer_window<2>});

}  // namespace wisp
