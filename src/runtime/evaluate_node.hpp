// Running one node right away on inputs that are already known, outside any Session run:
// what both constant folds use -- the Session's at prepare (concrete shapes, the session's
// kernels and threads) and the graph optimizer's fold_constants pass (reference kernels,
// before any session exists). Everything here allocates; it never runs on the hot path.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/status.hpp"
#include "ir/op_registry.hpp"
#include "kernels/kernel_registry.hpp"

namespace wisp {

// Runs `fn`, prefixing any error that does not already name the node with the node's label.
template <class Fn>
void with_node_context(const Node& node, Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    std::string msg = e.what();
    if (msg.find(node.name) == std::string::npos) throw Error(e.code(), str_cat(node.label(), ": ", msg));
    throw;
  }
}

// Calls `fn` once for `node` on `inputs` (null entries for omitted inputs) and returns one
// tensor per node output (an empty Tensor for an omitted output). `outputs` is what the
// op's infer said about each output: static outputs are allocated here up front, dynamic
// ones (set_output_dynamic) when the kernel asks for them. Errors name the node.
std::vector<Tensor> run_node_once(const Node& node, KernelFn fn, const void* params, int64_t scratch_bytes,
                                  std::span<const TensorView* const> inputs,
                                  const std::vector<InferContext::OutputInfo>& outputs, ThreadPool* pool);

// Limits for evaluate_node: outputs whose total size is above `max_output_bytes` are not
// returned; static ones are not even computed (an Expand of a constant never allocates its
// result just to be dropped), data-dependent ones (NonZero) are dropped after running.
struct EvaluateLimits {
  int64_t max_output_bytes = INT64_MAX;
};

// Infers `node` on `inputs` (all values known) and runs its reference kernel (Isa::kRef:
// the same results on every machine, which is what a folded constant written into a model
// must be). Returns nullopt when the node cannot be evaluated now -- no schema or reference
// kernel, outputs above the limit; errors from infer or the kernel (an invalid model)
// propagate, naming the node.
std::optional<std::vector<Tensor>> evaluate_node(const Node& node, std::span<const TensorView* const> inputs,
                                                 const EvaluateLimits& limits = {});

}  // namespace wisp
