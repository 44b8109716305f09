#include "passes/pass_manager.hpp"

#include <algorithm>

#include "cpu/cpu_features.hpp"
#include "ir/graph_clone.hpp"
#include "ir/verifier.hpp"
#include "kernels/kernel_registry.hpp"
#include "passes/passes.hpp"

namespace wisp {

const std::vector<Pass>& default_passes() {
  // Cleanups and constant folding first so that the fusions see producer -> consumer pairs directly; the
  // BatchNormalization fold before the activation fusion (Conv -> BN -> Relu). Pattern
  // fusions (LayerNorm, GELU) before the activation fusion so it sees Gelu nodes; the scale
  // fold before MatMul+Add -> Gemm (which it would otherwise hide); Transpose -> transA/B
  // after it, so MatMul(A, W) + bias still becomes a Gemm with a bias.
  static const std::vector<Pass> kPasses = {
      {"constant_nodes_to_values", passes::constant_nodes_to_values},
      {"eliminate_identity", passes::eliminate_identity},
      {"fold_constants", passes::fold_constants},  // early: later rewrites see folded shapes
      {"collapse_reshapes", passes::collapse_reshapes},
      {"fold_constant_transpose", passes::fold_constant_transpose},
      {"merge_transposes", passes::merge_transposes},
      {"cancel_transposes_around_elementwise", passes::cancel_transposes_around_elementwise},
      {"fold_batchnorm", passes::fold_batchnorm},
      {"fuse_int4_matmul", passes::fuse_int4_matmul},
      {"fuse_layer_norm", passes::fuse_layer_norm},
      {"fuse_gelu", passes::fuse_gelu},
      {"fuse_attention", passes::fuse_attention, "Attention"},  // before the scale fold: it reads the scores' scale
      {"fold_scale_into_matmul", passes::fold_scale_into_matmul},
      {"fuse_matmul_add", passes::fuse_matmul_add},
      {"fold_transpose_into_gemm", passes::fold_transpose_into_gemm},
      {"fuse_qdq_conv", passes::fuse_qdq_conv},  // before the float fusions hide the QDQ pattern
      {"fuse_qdq_matmul", passes::fuse_qdq_matmul},
      {"fuse_qdq_add", passes::fuse_qdq_add},
      {"fuse_qdq_passthrough", passes::fuse_qdq_passthrough},
      {"fuse_residual_add", passes::fuse_residual_add},  // before fuse_activation: Add -> Relu
      {"fuse_activation", passes::fuse_activation},
      {"eliminate_dead_nodes", passes::eliminate_dead_nodes},
  };
  return kPasses;
}

namespace {

bool has_fast_kernel(const char* wisp_op) {
  if (!wisp_op) return true;
  return find_kernel("com.wisp", wisp_op, DType::kF32, best_isa()) != find_kernel("com.wisp", wisp_op, DType::kF32, Isa::kRef);
}

}  // namespace

OptimizeReport optimize_graph(Graph& graph, const OptimizeOptions& options) {
  OptimizeReport report;
  auto enabled = [&](const char* name) {
    return std::find(options.disabled.begin(), options.disabled.end(), name) == options.disabled.end();
  };
  // The layout pass runs last in each round: the fusions before it see the ONNX ops, and
  // work on the Nhwc convs in the next round too, so the order does not matter for them.
  report.layout_requested = resolve_layout(options.layout);
  for (bool changed = true; changed && report.rounds < options.max_rounds;) {
    changed = false;
    ++report.rounds;
    for (const Pass& p : default_passes()) {
      if (!enabled(p.name) || !has_fast_kernel(p.needs_fast_kernel)) continue;
      if (p.run(graph)) {
        changed = true;
        report.applied.push_back(p.name);
      }
    }
    if (enabled("layout_nhwc") && passes::layout_nhwc(graph, report.layout_requested, &report.layout)) {
      changed = true;
      report.applied.push_back("layout_nhwc");
    }
  }
  count_layout(graph, report.layout);
  verify_graph(graph);
  return report;
}

std::shared_ptr<Model> optimize_model(const Model& model, const OptimizeOptions& options) {
  std::shared_ptr<Model> copy = clone_model(model);
  optimize_graph(copy->graph, options);
  return copy;
}

}  // namespace wisp
