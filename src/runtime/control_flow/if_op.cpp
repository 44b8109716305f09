// If: runs then_branch or else_branch on a runtime condition (input 0, one element).
// Branches take no inputs; what they read from enclosing graphs arrives as the node's
// implicit inputs (src/ir/implicit_inputs.hpp). Outputs may differ in shape between the
// branches, so they are dynamic; their types come from the branches (which must agree).
#include "runtime/control_flow/control_flow_util.hpp"

namespace wisp {
namespace {

using control_flow::InferInputs;

struct IfParams {
  std::shared_ptr<SubgraphRunner> then_branch, else_branch;
};

void infer_if(InferContext& ctx) {
  const Node& node = ctx.node();
  if (ctx.input_dtype(0) != DType::kBool) ctx.fail_invalid(str_cat("the condition must be bool, got ", dtype_name(ctx.input_dtype(0))));
  if (ctx.input_shape(0).numel() != 1)
    ctx.fail_invalid(str_cat("the condition must have one element, got shape ", ctx.input_shape(0).str()));
  InferInputs in(ctx);
  auto& p = ctx.params<IfParams>();
  p.then_branch = std::make_shared<SubgraphRunner>(require_subgraph(node, "then_branch"), node, "then_branch", in.ptrs);
  p.else_branch = std::make_shared<SubgraphRunner>(require_subgraph(node, "else_branch"), node, "else_branch", in.ptrs);
  for (const SubgraphRunner* b : {p.then_branch.get(), p.else_branch.get()}) {
    if (b->num_inputs() != 0) ctx.fail_invalid(str_cat("the ", b->where(), " must take no inputs, it takes ", b->num_inputs()));
    if (b->num_outputs() != static_cast<size_t>(ctx.num_outputs()))
      ctx.fail_invalid(str_cat("the ", b->where(), " has ", b->num_outputs(), " outputs but the node has ", ctx.num_outputs()));
  }
  const std::vector<DType> then_types = p.then_branch->output_dtypes(in.ptrs, {});
  const std::vector<DType> else_types = p.else_branch->output_dtypes(in.ptrs, {});
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    if (then_types[i] != else_types[i] && then_types[i] != DType::kUndefined && else_types[i] != DType::kUndefined)
      ctx.fail_invalid(str_cat("output ", i, " is ", dtype_name(then_types[i]), " in then_branch but ",
                               dtype_name(else_types[i]), " in else_branch"));
    if (ctx.has_output(i)) ctx.set_output_dynamic(i, then_types[i] != DType::kUndefined ? then_types[i] : else_types[i]);
  }
}

void if_kernel(const KernelArgs& a) {
  const auto& p = a.p<IfParams>();
  const bool cond = control_flow::read_condition(*a.in[0], *a.node, "the condition");
  SubgraphRunner& branch = cond ? *p.then_branch : *p.else_branch;
  branch.run(a.in, {});
  for (size_t i = 0; i < branch.num_outputs(); ++i) control_flow::output_copy(a, static_cast<int>(i), branch.output(i));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "If", .min_inputs = 1, .max_inputs = -1, .min_outputs = 1, .max_outputs = -1,
                  .infer = infer_if});
WISP_REGISTER_KERNEL("If", DType::kUndefined, Isa::kRef, if_kernel);

}  // namespace wisp
