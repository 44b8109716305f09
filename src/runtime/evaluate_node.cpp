#include "runtime/evaluate_node.hpp"

namespace wisp {
namespace {

// Gives kernels with data-dependent output shapes (NonZero...) their memory: a fresh
// tensor, kept in the result.
class OnceAllocator final : public DynamicOutputAllocator {
 public:
  OnceAllocator(std::vector<Tensor>& made, std::vector<TensorView*>& out_ptrs) : made_(made), out_ptrs_(out_ptrs) {}
  TensorView& allocate(int output, DType dtype, const Shape& shape) override {
    WISP_ASSERT(output >= 0 && output < static_cast<int>(made_.size()) && out_ptrs_[size_t(output)] != nullptr);
    made_[size_t(output)] = Tensor(dtype, shape);
    *out_ptrs_[size_t(output)] = made_[size_t(output)].view();
    return *out_ptrs_[size_t(output)];
  }

 private:
  std::vector<Tensor>& made_;
  std::vector<TensorView*>& out_ptrs_;
};

}  // namespace

std::vector<Tensor> run_node_once(const Node& node, KernelFn fn, const void* params, int64_t scratch_bytes,
                                  std::span<const TensorView* const> inputs,
                                  const std::vector<InferContext::OutputInfo>& outputs, ThreadPool* pool) {
  WISP_ASSERT(outputs.size() == node.outputs.size());
  std::vector<Tensor> made(outputs.size());
  std::vector<TensorView> views(outputs.size());
  std::vector<TensorView*> out_ptrs(outputs.size(), nullptr);
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (!node.has_output(i)) continue;
    out_ptrs[i] = &views[i];
    if (outputs[i].dynamic) continue;  // allocated by the kernel through OnceAllocator
    made[i] = Tensor(outputs[i].dtype, outputs[i].shape);
    views[i] = made[i].view();
  }
  Tensor scratch;
  if (scratch_bytes > 0) scratch = Tensor(DType::kU8, Shape{scratch_bytes});
  OnceAllocator alloc(made, out_ptrs);
  KernelArgs args{&node, params, inputs, out_ptrs, scratch.empty() ? nullptr : scratch.data(), scratch_bytes, &alloc,
                  pool};
  with_node_context(node, [&] { fn(args); });
  return made;
}

std::optional<std::vector<Tensor>> evaluate_node(const Node& node, std::span<const TensorView* const> inputs,
                                                 const EvaluateLimits& limits) {
  const OpSchema* schema = find_op_schema(node.domain, node.op_type);
  if (!schema || !schema->infer) return std::nullopt;
  InferContext ctx(node, std::vector<const TensorView*>(inputs.begin(), inputs.end()), /*values_known=*/true);
  with_node_context(node, [&] { schema->infer(ctx); });
  // Static outputs are checked against the limit before anything is allocated; outputs
  // whose size is known only after running (NonZero...) right after.
  int64_t out_bytes = 0;
  auto within_limit = [&](const TensorView& v) {
    const int64_t bytes = v.bytes();
    if (bytes > limits.max_output_bytes - out_bytes) return false;
    out_bytes += bytes;
    return true;
  };
  bool any_dynamic = false;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (!node.has_output(i)) continue;
    const auto& info = ctx.outputs()[i];
    if (!info.set) return std::nullopt;
    any_dynamic |= info.dynamic;
    if (!info.dynamic && !within_limit(TensorView{info.dtype, info.shape, nullptr})) return std::nullopt;
  }
  const DType key = !inputs.empty() && inputs[0] ? inputs[0]->dtype : DType::kUndefined;
  const KernelFn fn = find_kernel(node.domain, node.op_type, key, Isa::kRef);
  if (!fn) return std::nullopt;
  const std::unique_ptr<OpParamsHolder> params = ctx.take_params();
  std::vector<Tensor> outs = run_node_once(node, fn, params ? params->get() : nullptr, ctx.scratch_bytes(), inputs,
                                           ctx.outputs(), /*pool=*/nullptr);
  for (size_t i = 0; i < outs.size() && any_dynamic; ++i)
    if (node.has_output(i) && ctx.outputs()[i].dynamic && !within_limit(outs[i].view())) return std::nullopt;
  return outs;
}

}  // namespace wisp
