// quantize_weights_int4: see the header for the format. Per weight: find the K axis, cut
// it into groups, compute each group's scale, round, pack, and put DequantizeLinear in
// front of the weight's readers (the weight value keeps its name, now DQ's output).
#include "quant/int4_weights.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/status.hpp"
#include "ir/graph_clone.hpp"
#include "passes/passes.hpp"
#include "kernels/ref/int4.hpp"

namespace wisp::quant {
namespace {

// The axis of K in the weight read as input 1 of `n`, or -1 when `n` is not a candidate.
int k_axis(const Node& n) {
  if (!n.domain.empty()) return -1;
  if (n.op_type == "MatMul") return 0;
  if (n.op_type == "Gemm") return n.attrs.get_int("transB", 0) ? 1 : 0;
  return -1;
}

}  // namespace

std::string Int4Report::summary() const {
  return str_cat("int4: ", converted, " weights, ", bytes_before, " -> ", bytes_after, " bytes, max error ",
                 max_abs_error);
}

std::shared_ptr<Model> quantize_weights_int4(const Model& model, const Int4Options& options, Int4Report* report) {
  WISP_CHECK(options.group_size >= 2, ErrorCode::kInvalidArgument, "quantize_weights_int4: group size ",
             options.group_size, " is below 2 (use 32, 64 or 128)");
  std::shared_ptr<Model> out = clone_model(model);
  // Weights behind Constant nodes or Identity (torch.onnx shares weights that way) become
  // plain constants first; both rewrites keep the graph standard ONNX.
  passes::constant_nodes_to_values(out->graph);
  passes::eliminate_identity(out->graph);
  Graph& g = out->graph;
  Int4Report r;
  std::set<Value*> done;
  std::vector<std::pair<Value*, int>> chosen;  // weight, K axis
  for (const auto& n : g.nodes()) {
    const int axis = k_axis(*n);
    if (axis < 0 || !n->has_input(1)) continue;
    Value* w = n->inputs[1];
    if (!w->is_constant() || w->constant->dtype() != DType::kF32 || w->constant->shape().rank() != 2 ||
        w->constant->numel() < options.min_weight_elements || !done.insert(w).second)
      continue;
    chosen.push_back({w, axis});
  }
  // The same weight read by a MatMul and by a Gemm with transB would need two axes.
  for (const auto& n : g.nodes())
    for (auto& [w, axis] : chosen)
      if (w && n->has_input(1) && n->inputs[1] == w && k_axis(*n) != axis) w = nullptr;
  const int64_t gs = options.group_size;
  // Plain variables, not a structured binding: clang 14 (the fuzz build) cannot capture
  // a binding in the lambda below.
  for (const auto& entry : chosen) {
    Value* w = entry.first;
    const int axis = entry.second;
    if (!w) continue;
    const Tensor& src = *w->constant;
    const int64_t rows = src.shape()[0], cols = src.shape()[1];
    const int64_t k = src.shape()[axis], blocks = (k + gs - 1) / gs;
    Shape scale_shape = src.shape();
    scale_shape[axis] = blocks;
    Tensor q(DType::kI4, src.shape()), scale(DType::kF32, scale_shape);
    auto* packed = q.as<uint8_t>();
    float* sc = scale.as<float>();
    const float* wv = src.as<float>();
    // Element (r, c); its block index along K and its scale's flat index.
    auto scale_index = [&](int64_t rr, int64_t cc) {
      return axis == 0 ? (rr / gs) * cols + cc : rr * blocks + cc / gs;
    };
    for (int64_t i = 0; i < scale.numel(); ++i) sc[i] = 0;
    for (int64_t rr = 0; rr < rows; ++rr)
      for (int64_t cc = 0; cc < cols; ++cc) {
        float& s = sc[scale_index(rr, cc)];
        s = std::max(s, std::fabs(wv[rr * cols + cc]));
      }
    for (int64_t i = 0; i < scale.numel(); ++i) sc[i] = sc[i] > 0 ? sc[i] / 7.0f : 1.0f;
    for (int64_t rr = 0; rr < rows; ++rr)
      for (int64_t cc = 0; cc < cols; ++cc) {
        const int64_t e = rr * cols + cc;
        const float s = sc[scale_index(rr, cc)];
        const int v = static_cast<int>(std::clamp(std::nearbyint(wv[e] / s), -8.0f, 7.0f));
        ref::int4_set(packed, e, v);
        r.max_abs_error = std::max(r.max_abs_error, double(std::fabs(wv[e] - static_cast<float>(v) * s)));
      }
    r.bytes_before += src.bytes();
    r.bytes_after += q.bytes() + scale.bytes();
    ++r.converted;
    Value* qv = g.add_constant(g.unique_name(w->name + "_int4"), std::move(q));
    Value* sv = g.add_constant(g.unique_name(w->name + "_scale"), std::move(scale));
    w->constant = nullptr;
    Node* dq = g.add_node("DequantizeLinear", g.unique_name(w->name + "_dequantize"), {qv, sv}, {w});
    dq->opset = 21;  // INT4 and block_size
    dq->attrs.set_int("axis", axis);
    dq->attrs.set_int("block_size", gs);
  }
  if (r.converted > 0) {
    int& opset = g.opset_imports[""];
    opset = std::max(opset, 21);
  }
  g.sort_topologically();
  if (report) *report = r;
  return out;
}

}  // namespace wisp::quant
