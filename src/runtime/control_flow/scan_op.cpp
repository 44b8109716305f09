// Scan (opset 9+ form): inputs (state..., scan_input...), body (state..., slice...) ->
// (state..., scan_output_element...).
//
//   for t in 0..L-1: states, y_t = body(states, x_m[t along scan_input_axes[m]])
//   outputs: final states, then each y stacked along scan_output_axes[k].
//
// A direction of 1 walks that scan input from its end, or fills that scan output from its
// end. Scan-8 (a leading batch axis on every input and output, scan axis 1, optional
// sequence_lens) is rewritten by the ONNX converter into this form with the attribute
// kScan8BatchedAttr: the body then runs once per batch row, whose results are stacked.
#include <utility>

#include "runtime/control_flow/control_flow_util.hpp"

namespace wisp {
namespace {

using control_flow::InferInputs;

constexpr const char* kScan8BatchedAttr = "wisp_scan8_batched";

struct ScanParams {
  std::shared_ptr<SubgraphRunner> body;
  int states = 0, scan_inputs = 0, scan_outputs = 0;
  bool batched = false;
  std::vector<int> in_axes;  // resolved against the (unbatched) scan input rank
  std::vector<bool> in_reverse, out_reverse;
  std::vector<int64_t> out_axes;  // resolved when the element rank is known
  std::vector<DType> scan_types;
};

// `v` without axis `axis` (the shape of one slice); data is not set.
TensorView drop_axis(const TensorView& v, int axis) {
  Shape s;
  for (int d = 0; d < v.shape.rank(); ++d)
    if (d != axis) s.push_back(v.shape[d]);
  return TensorView{v.dtype, s, nullptr};
}

// Row b of a batched tensor (axis 0 is the batch): contiguous, so a view with no copy.
TensorView batch_row(const TensorView& v, int64_t b) {
  TensorView row = drop_axis(v, 0);
  row.data = static_cast<std::byte*>(v.data) + b * row.bytes();
  return row;
}

std::vector<bool> read_directions(const InferContext& ctx, const char* name, int count) {
  std::vector<int64_t> d = ctx.attrs().get_ints(name, std::vector<int64_t>(static_cast<size_t>(count), 0));
  if (static_cast<int>(d.size()) != count)
    ctx.fail_invalid(str_cat(name, " has ", d.size(), " entries, expected ", count));
  std::vector<bool> reverse;
  for (int64_t x : d) {
    if (x != 0 && x != 1) ctx.fail_invalid(str_cat(name, " entries must be 0 (forward) or 1 (reverse), got ", x));
    reverse.push_back(x == 1);
  }
  return reverse;
}

void infer_scan(InferContext& ctx) {
  const Node& node = ctx.node();
  auto& p = ctx.params<ScanParams>();
  const int explicit_inputs = explicit_input_count(node);
  p.batched = ctx.attrs().get_int(kScan8BatchedAttr, 0) != 0;
  const int64_t m = ctx.attrs().get_int("num_scan_inputs", -1);
  if (m < 1 || m > explicit_inputs)
    ctx.fail_invalid(str_cat("num_scan_inputs must be in [1, ", explicit_inputs, "], got ", m));
  p.scan_inputs = static_cast<int>(m);
  p.states = explicit_inputs - p.scan_inputs;
  for (int i = 0; i < explicit_inputs; ++i)
    if (!ctx.has_input(i)) ctx.fail_invalid(str_cat("input ", i, " is missing"));
  InferInputs in(ctx);
  p.body = std::make_shared<SubgraphRunner>(require_subgraph(node, "body"), node, "body", in.ptrs);
  const SubgraphRunner& body = *p.body;
  if (body.num_inputs() != static_cast<size_t>(explicit_inputs))
    ctx.fail_invalid(str_cat("the body takes ", body.num_inputs(), " inputs, the node gives ", explicit_inputs));
  if (body.num_outputs() < static_cast<size_t>(p.states) || ctx.num_outputs() != static_cast<int>(body.num_outputs()))
    ctx.fail_invalid(str_cat("the body has ", body.num_outputs(), " outputs, the node ", ctx.num_outputs(), ", and ",
                             p.states, " are states: they must agree"));
  p.scan_outputs = ctx.num_outputs() - p.states;

  // The views one batch row sees (all of it when not batched).
  std::vector<TensorView> unbatched;
  int64_t batch = -1;
  for (int i = 0; i < explicit_inputs; ++i) {
    if (!p.batched) {
      unbatched.push_back(in.views[i]);
      continue;
    }
    if (ctx.input_shape(i).rank() < 1) ctx.fail_invalid(str_cat("input ", i, " needs a batch axis (Scan-8)"));
    if (batch >= 0 && ctx.input_shape(i)[0] != batch)
      ctx.fail_invalid(str_cat("input ", i, " has batch size ", ctx.input_shape(i)[0], ", input 0 has ", batch));
    batch = ctx.input_shape(i)[0];
    unbatched.push_back(drop_axis(in.views[i], 0));
  }
  std::vector<int64_t> axes = ctx.attrs().get_ints("scan_input_axes", std::vector<int64_t>(static_cast<size_t>(m), 0));
  if (static_cast<int64_t>(axes.size()) != m)
    ctx.fail_invalid(str_cat("scan_input_axes has ", axes.size(), " entries, expected ", m));
  p.in_reverse = read_directions(ctx, "scan_input_directions", p.scan_inputs);
  p.out_reverse = read_directions(ctx, "scan_output_directions", p.scan_outputs);
  p.out_axes = ctx.attrs().get_ints("scan_output_axes", std::vector<int64_t>(static_cast<size_t>(p.scan_outputs), 0));
  if (static_cast<int>(p.out_axes.size()) != p.scan_outputs)
    ctx.fail_invalid(str_cat("scan_output_axes has ", p.out_axes.size(), " entries, expected ", p.scan_outputs));

  std::vector<TensorView> body_inputs(unbatched.begin(), unbatched.begin() + p.states);
  int64_t length = -1;
  for (int k = 0; k < p.scan_inputs; ++k) {
    const TensorView& x = unbatched[p.states + k];
    const int axis = x.shape.axis(axes[k], "scan_input_axes entry");
    p.in_axes.push_back(axis);
    if (length >= 0 && x.shape[axis] != length)
      ctx.fail_invalid(str_cat("scan input ", k, " has length ", x.shape[axis], " along its scan axis, others have ", length));
    length = x.shape[axis];
    body_inputs.push_back(drop_axis(x, axis));
  }
  const std::vector<DType> types = p.body->output_dtypes(in.ptrs, body_inputs);
  for (int j = 0; j < p.states; ++j) {
    if (types[j] != ctx.input_dtype(j) && types[j] != DType::kUndefined)
      ctx.fail_invalid(str_cat("state ", j, " enters as ", dtype_name(ctx.input_dtype(j)), " but the body returns ",
                               dtype_name(types[j])));
    ctx.set_output_dynamic(j, ctx.input_dtype(j));
  }
  for (int k = 0; k < p.scan_outputs; ++k) {
    p.scan_types.push_back(types[p.states + k]);
    ctx.set_output_dynamic(p.states + k, types[p.states + k]);
  }
}

// Copies slice `index` along `axis` of `src` into the contiguous `dst` (or the reverse).
void copy_slice(const TensorView& whole, int axis, int64_t index, const TensorView& slice, bool into_whole) {
  const int64_t length = whole.shape[axis];
  const int64_t outer = whole.shape.numel(0, axis);
  const int64_t inner = checked_mul(whole.shape.numel(axis + 1, whole.shape.rank()), dtype_size(whole.dtype));
  auto* w = static_cast<std::byte*>(whole.data);
  auto* s = static_cast<std::byte*>(slice.data);
  for (int64_t o = 0; o < outer; ++o) {
    std::byte* at_whole = w + (o * length + index) * inner;
    std::byte* at_slice = s + o * inner;
    if (into_whole) std::memcpy(at_whole, at_slice, static_cast<size_t>(inner));
    else std::memcpy(at_slice, at_whole, static_cast<size_t>(inner));
  }
}

// Runs the whole scan for one (unbatched) set of inputs; results are owned tensors.
std::vector<Tensor> scan_once(const ScanParams& p, const KernelArgs& a, std::span<const TensorView> inputs) {
  const Node& node = *a.node;
  SubgraphRunner& body = *p.body;
  std::vector<Tensor> current(static_cast<size_t>(p.states)), next(static_cast<size_t>(p.states));
  for (int j = 0; j < p.states; ++j) current[j] = Tensor::copy_of(inputs[j]);
  std::vector<Tensor> slices;
  int64_t length = 0;
  for (int k = 0; k < p.scan_inputs; ++k) {
    const TensorView& x = inputs[p.states + k];
    length = x.shape[p.in_axes[k]];
    TensorView s = drop_axis(x, p.in_axes[k]);
    slices.emplace_back(s.dtype, s.shape);
  }
  std::vector<Tensor> ys(static_cast<size_t>(p.scan_outputs));
  std::vector<int> y_axes(static_cast<size_t>(p.scan_outputs), 0);
  std::vector<TensorView> body_inputs(static_cast<size_t>(p.states + p.scan_inputs));

  for (int64_t t = 0; t < length; ++t) {
    for (int j = 0; j < p.states; ++j) body_inputs[j] = current[j].view();
    for (int k = 0; k < p.scan_inputs; ++k) {
      copy_slice(inputs[p.states + k], p.in_axes[k], p.in_reverse[k] ? length - 1 - t : t, slices[k].view(), false);
      body_inputs[p.states + k] = slices[k].view();
    }
    body.run(a.in, body_inputs);
    for (int j = 0; j < p.states; ++j) {
      const TensorView& out = body.output(j);
      WISP_CHECK(out.dtype == current[j].dtype(), ErrorCode::kInvalidModel, node.label(), ": state ", j,
                 " changed type to ", dtype_name(out.dtype), " in iteration ", t);
      control_flow::assign_copy(next[j], out);
    }
    std::swap(current, next);
    for (int k = 0; k < p.scan_outputs; ++k) {
      const TensorView& out = body.output(p.states + k);
      if (t == 0) {
        y_axes[k] = Shape::normalize_axis(p.out_axes[k], out.shape.rank() + 1, "scan_output_axes entry");
        Shape s;
        for (int d = 0; d <= out.shape.rank(); ++d) {
          if (d == y_axes[k]) s.push_back(length);
          if (d < out.shape.rank()) s.push_back(out.shape[d]);
        }
        ys[k] = Tensor(out.dtype, s);
      }
      TensorView expected = drop_axis(ys[k].view(), y_axes[k]);
      WISP_CHECK(out.dtype == expected.dtype && out.shape == expected.shape, ErrorCode::kInvalidModel, node.label(),
                 ": scan output ", k, " is ", dtype_name(out.dtype), out.shape.str(), " in iteration ", t, " but was ",
                 dtype_name(expected.dtype), expected.shape.str(), " before");
      copy_slice(ys[k].view(), y_axes[k], p.out_reverse[k] ? length - 1 - t : t, out, true);
    }
  }
  if (length == 0) {  // the body never ran: element shapes are the declared ones when static
    for (int k = 0; k < p.scan_outputs; ++k) {
      const Shape element = control_flow::declared_or(*body.graph().outputs[p.states + k], Shape{});
      WISP_CHECK(p.scan_types[k] != DType::kUndefined, ErrorCode::kUnsupported, node.label(), ": scan output ", k,
                 " has no known type: the scan length is zero and the body does not declare it");
      Shape s{0};
      for (int64_t d : element) s.push_back(d);
      ys[k] = Tensor(p.scan_types[k], s);
    }
  }
  std::vector<Tensor> results = std::move(current);
  for (Tensor& y : ys) results.push_back(std::move(y));
  return results;
}

void scan_kernel(const KernelArgs& a) {
  const auto& p = a.p<ScanParams>();
  const int explicit_inputs = p.states + p.scan_inputs;
  std::vector<TensorView> inputs;
  for (int i = 0; i < explicit_inputs; ++i) inputs.push_back(*a.in[i]);
  if (!p.batched) {
    const std::vector<Tensor> results = scan_once(p, a, inputs);
    for (size_t o = 0; o < results.size(); ++o) control_flow::output_copy(a, static_cast<int>(o), results[o].view());
    return;
  }
  const int64_t batch = inputs[0].shape[0];
  std::vector<TensorView*> outs(a.out.size(), nullptr);
  std::vector<TensorView> rows(inputs.size());
  for (int64_t b = 0; b < batch; ++b) {
    for (size_t i = 0; i < inputs.size(); ++i) rows[i] = batch_row(inputs[i], b);
    const std::vector<Tensor> results = scan_once(p, a, rows);
    for (size_t o = 0; o < results.size(); ++o) {
      if (!a.has_out(o)) continue;
      const TensorView& r = results[o].view();
      if (b == 0) {
        Shape s{batch};
        for (int64_t d : r.shape) s.push_back(d);
        outs[o] = &a.alloc_output(static_cast<int>(o), r.dtype, s);
      }
      const TensorView expected = batch_row(*outs[o], b);
      WISP_CHECK(expected.shape == r.shape, ErrorCode::kInvalidModel, a.node->label(), ": output ", o, " is ",
                 r.shape.str(), " for batch row ", b, " but ", expected.shape.str(), " for row 0");
      if (r.bytes() > 0) std::memcpy(expected.data, r.data, static_cast<size_t>(r.bytes()));
    }
  }
  for (size_t o = 0; batch == 0 && o < a.out.size(); ++o) {
    if (!a.has_out(o)) continue;
    const DType t = o < static_cast<size_t>(p.states) ? inputs[o].dtype : p.scan_types[o - p.states];
    WISP_CHECK(t != DType::kUndefined, ErrorCode::kUnsupported, a.node->label(), ": output ", o,
               " has no known type: the batch is empty and the body does not declare it");
    a.alloc_output(static_cast<int>(o), t, Shape{0});
  }
}

}  // namespace

WISP_REGISTER_OP({.op_type = "Scan", .min_inputs = 1, .max_inputs = -1, .min_outputs = 1, .max_outputs = -1,
                  .infer = infer_scan});
WISP_REGISTER_KERNEL("Scan", DType::kUndefined, Isa::kRef, scan_kernel);

}  // namespace wisp
