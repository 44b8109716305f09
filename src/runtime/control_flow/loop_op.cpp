// Loop: inputs (M, cond, v_initial...), body (iteration_num, cond, v...) -> (cond, v..., scan...).
//
//   i = 0; c = cond (true if absent); v = v_initial
//   while (i < M (no bound if absent) && c): c, v, s_i = body(i, c, v); ++i
//   outputs: the final v..., then each scan output s stacked along a new axis 0.
//
// As in ONNX Runtime, the body's condition output is honoured even when the cond input is
// absent (the spec says it is then ignored, which would make a loop without M endless).
// There is no artificial trip-count limit; scan outputs are bounded by the tensor size
// limit (kResourceExhausted). Loop-carried values may change shape between iterations:
// the body is then re-prepared for the new shapes.
#include <utility>

#include "core/checked_math.hpp"
#include "runtime/control_flow/control_flow_util.hpp"

namespace wisp {
namespace {

using control_flow::InferInputs;

struct LoopParams {
  std::shared_ptr<SubgraphRunner> body;
  int carried = 0;  // N
  int scans = 0;    // K
  Shape iter_shape, cond_shape;
  std::vector<DType> scan_types;
};

void infer_loop(InferContext& ctx) {
  const Node& node = ctx.node();
  const int explicit_inputs = explicit_input_count(node);
  if (explicit_inputs < 2) ctx.fail_invalid(str_cat("needs inputs M and cond (either may be empty), got ", explicit_inputs));
  auto& p = ctx.params<LoopParams>();
  p.carried = explicit_inputs - 2;
  if (ctx.has_input(0) && (ctx.input_dtype(0) != DType::kI64 || ctx.input_shape(0).numel() != 1))
    ctx.fail_invalid(str_cat("M must be one int64, got ", dtype_name(ctx.input_dtype(0)), ctx.input_shape(0).str()));
  if (ctx.has_input(1) && (ctx.input_dtype(1) != DType::kBool || ctx.input_shape(1).numel() != 1))
    ctx.fail_invalid(str_cat("cond must be one bool, got ", dtype_name(ctx.input_dtype(1)), ctx.input_shape(1).str()));
  for (int j = 0; j < p.carried; ++j)
    if (!ctx.has_input(2 + j)) ctx.fail_invalid(str_cat("loop-carried input ", 2 + j, " is missing"));
  InferInputs in(ctx);
  p.body = std::make_shared<SubgraphRunner>(require_subgraph(node, "body"), node, "body", in.ptrs);
  const SubgraphRunner& body = *p.body;
  if (body.num_inputs() != static_cast<size_t>(2 + p.carried))
    ctx.fail_invalid(str_cat("the body takes ", body.num_inputs(), " inputs; with ", p.carried,
                             " loop-carried values it must take ", 2 + p.carried));
  if (body.num_outputs() < static_cast<size_t>(1 + p.carried))
    ctx.fail_invalid(str_cat("the body has ", body.num_outputs(), " outputs; it needs at least ", 1 + p.carried,
                             " (cond and the loop-carried values)"));
  p.scans = static_cast<int>(body.num_outputs()) - 1 - p.carried;
  if (ctx.num_outputs() != p.carried + p.scans)
    ctx.fail_invalid(str_cat("has ", ctx.num_outputs(), " outputs; its body gives ", p.carried, " loop-carried and ",
                             p.scans, " scan outputs"));
  p.iter_shape = control_flow::declared_or(*body.graph().inputs[0], Shape{});
  p.cond_shape = control_flow::declared_or(*body.graph().inputs[1], Shape{});
  if (p.iter_shape.numel() != 1 || p.cond_shape.numel() != 1)
    ctx.fail_invalid("the body's iteration number and condition inputs must have one element");
  std::vector<TensorView> body_inputs{control_flow::shape_only(DType::kI64, p.iter_shape),
                                      control_flow::shape_only(DType::kBool, p.cond_shape)};
  for (int j = 0; j < p.carried; ++j) body_inputs.push_back(in.views[2 + j]);
  const std::vector<DType> types = p.body->output_dtypes(in.ptrs, body_inputs);
  for (int j = 0; j < p.carried; ++j) {
    if (types[1 + j] != ctx.input_dtype(2 + j) && types[1 + j] != DType::kUndefined)
      ctx.fail_invalid(str_cat("loop-carried value ", j, " enters as ", dtype_name(ctx.input_dtype(2 + j)),
                               " but the body returns ", dtype_name(types[1 + j])));
    if (ctx.has_output(j)) ctx.set_output_dynamic(j, ctx.input_dtype(2 + j));
  }
  for (int k = 0; k < p.scans; ++k) {
    p.scan_types.push_back(types[1 + p.carried + k]);
    if (ctx.has_output(p.carried + k)) ctx.set_output_dynamic(p.carried + k, types[1 + p.carried + k]);
  }
}

// One scan output, gathered iteration by iteration.
struct ScanAccumulator {
  DType dtype = DType::kUndefined;  // the declared type, else the first iteration's
  Shape element_shape;
  std::vector<std::byte> bytes;
  int64_t count = 0;
};

void loop_kernel(const KernelArgs& a) {
  const auto& p = a.p<LoopParams>();
  const Node& node = *a.node;
  SubgraphRunner& body = *p.body;
  const int64_t max_trips = a.has_in(0) ? element_as_int(*a.in[0], 0) : INT64_MAX;
  bool cond = a.has_in(1) ? control_flow::read_condition(*a.in[1], node, "cond") : true;

  // Double-buffered loop-carried values: the body may return an input unchanged or swap two.
  std::vector<Tensor> current(static_cast<size_t>(p.carried)), next(static_cast<size_t>(p.carried));
  for (int j = 0; j < p.carried; ++j) current[j] = Tensor::copy_of(*a.in[2 + j]);
  std::vector<ScanAccumulator> scans(static_cast<size_t>(p.scans));
  for (int k = 0; k < p.scans; ++k) scans[k].dtype = p.scan_types[k];
  Tensor iter(DType::kI64, p.iter_shape), cond_t(DType::kBool, p.cond_shape);
  std::vector<TensorView> inputs(static_cast<size_t>(2 + p.carried));

  for (int64_t i = 0; i < max_trips && cond; ++i) {
    iter.as<int64_t>()[0] = i;
    cond_t.as<bool>()[0] = cond;
    inputs[0] = iter.view();
    inputs[1] = cond_t.view();
    for (int j = 0; j < p.carried; ++j) inputs[2 + j] = current[j].view();
    body.run(a.in, inputs);
    cond = control_flow::read_condition(body.output(0), node, "the body's condition output");
    for (int j = 0; j < p.carried; ++j) {
      const TensorView& out = body.output(1 + j);
      WISP_CHECK(out.dtype == current[j].dtype(), ErrorCode::kInvalidModel, node.label(), ": loop-carried value ", j,
                 " changed type from ", dtype_name(current[j].dtype()), " to ", dtype_name(out.dtype), " in iteration ", i);
      control_flow::assign_copy(next[j], out);
    }
    std::swap(current, next);
    for (int k = 0; k < p.scans; ++k) {
      const TensorView& out = body.output(1 + p.carried + k);
      ScanAccumulator& acc = scans[k];
      if (acc.count == 0) acc.element_shape = out.shape;
      if (acc.dtype == DType::kUndefined) acc.dtype = out.dtype;
      WISP_CHECK(out.shape == acc.element_shape && out.dtype == acc.dtype, ErrorCode::kInvalidModel, node.label(),
                 ": scan output ", k, " is ", dtype_name(out.dtype), out.shape.str(), " in iteration ", i, " but was ",
                 dtype_name(acc.dtype), acc.element_shape.str(), " before (scan outputs must keep their shape)");
      const int64_t total = checked_add(static_cast<int64_t>(acc.bytes.size()), out.bytes(), "Loop scan output bytes");
      WISP_CHECK(total <= kMaxTensorBytes, ErrorCode::kResourceExhausted, node.label(), ": scan output ", k,
                 " grows above the tensor size limit after ", i + 1, " iterations");
      const auto* src = static_cast<const std::byte*>(out.data);
      acc.bytes.insert(acc.bytes.end(), src, src + out.bytes());
      ++acc.count;
    }
  }

  for (int j = 0; j < p.carried; ++j) control_flow::output_copy(a, j, current[j].view());
  for (int k = 0; k < p.scans; ++k) {
    if (!a.has_out(static_cast<size_t>(p.carried + k))) continue;
    const ScanAccumulator& acc = scans[k];
    Shape shape{acc.count};
    // No iteration ran: the element shape is the body's declared one when static.
    const Shape element = acc.count > 0 ? acc.element_shape
                                        : control_flow::declared_or(*body.graph().outputs[1 + p.carried + k], Shape{});
    for (int64_t d : element) shape.push_back(d);
    WISP_CHECK(acc.dtype != DType::kUndefined, ErrorCode::kUnsupported, node.label(), ": scan output ", k,
               " has no known type: the loop ran zero times and the body does not declare it");
    TensorView& out = a.alloc_output(p.carried + k, acc.dtype, shape);
    if (!acc.bytes.empty()) std::memcpy(out.data, acc.bytes.data(), acc.bytes.size());
  }
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Loop", .min_inputs = 0, .max_inputs = -1, .min_outputs = 0, .max_outputs = -1,
                  .infer = infer_loop});
WISP_REGISTER_KERNEL("Loop", DType::kUndefined, Isa::kRef, loop_kernel);

}  // namespace wisp
