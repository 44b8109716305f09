// convert_weights_fp16: for each float32 constant a node of the main graph reads (see the
// header for which), the constant W becomes a float16 constant "W_fp16" and W becomes the
// output of Cast(W_fp16, to=FLOAT). Every reader of W is untouched, so the rewrite cannot
// change the graph's structure, only the stored bytes. Subgraphs are left as they are.
#include "quant/fp16_weights.hpp"

#include <cmath>
#include <set>

#include "core/status.hpp"
#include "ir/graph_clone.hpp"
#include "passes/passes.hpp"

namespace wisp::quant {
namespace {

bool is_weight_reader(const Node& n) {
  return n.domain.empty() && (n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" ||
                              n.op_type == "MatMul");
}

}  // namespace

std::string Fp16Report::summary() const {
  return str_cat("fp16: ", converted, " constants, ", bytes_before, " -> ", bytes_after,
                 " bytes, max rounding error ", max_abs_rounding);
}

std::shared_ptr<Model> convert_weights_fp16(const Model& model, const Fp16Options& options, Fp16Report* report) {
  std::shared_ptr<Model> out = clone_model(model);
  // Weights behind Constant nodes or Identity (torch.onnx shares weights that way) become
  // plain constants first; both rewrites keep the graph standard ONNX.
  passes::constant_nodes_to_values(out->graph);
  passes::eliminate_identity(out->graph);
  Graph& g = out->graph;
  int opset = 13;
  if (auto it = g.opset_imports.find(""); it != g.opset_imports.end()) opset = it->second;
  // Which constants qualify: read by a weight op (as any input) or large.
  std::vector<Value*> chosen;
  std::set<Value*> seen;
  const std::set<Value*> outputs(g.outputs.begin(), g.outputs.end());
  for (const auto& n : g.nodes()) {
    for (Value* v : n->inputs) {
      if (!v || !v->is_constant() || v->constant->dtype() != DType::kF32 || outputs.count(v)) continue;
      const int64_t min = is_weight_reader(*n) ? options.min_weight_elements : options.min_other_elements;
      if (v->constant->numel() < min || !seen.insert(v).second) continue;
      chosen.push_back(v);
    }
  }
  Fp16Report r;
  for (Value* v : chosen) {
    const Tensor& w = *v->constant;
    Tensor half(DType::kF16, w.shape());
    const float* src = w.as<float>();
    Float16* dst = half.as<Float16>();
    for (int64_t i = 0; i < w.numel(); ++i) {
      dst[i] = Float16(src[i]);
      const float back = dst[i];
      if (std::isfinite(src[i]) && !std::isfinite(back)) ++r.overflowed;
      else if (std::isfinite(src[i])) r.max_abs_rounding = std::max(r.max_abs_rounding, double(std::fabs(src[i] - back)));
    }
    WISP_CHECK(r.overflowed == 0, ErrorCode::kInvalidArgument, "convert_weights_fp16: constant '", v->name,
               "' has values beyond float16's range (|x| > 65504); keep this model in float32");
    r.bytes_before += w.bytes();
    r.bytes_after += half.bytes();
    ++r.converted;
    Value* stored = g.add_constant(g.unique_name(v->name + "_fp16"), std::move(half));
    v->constant = nullptr;
    Node* cast = g.add_node("Cast", g.unique_name(v->name + "_cast"), {stored}, {v});
    cast->opset = opset;
    cast->attrs.set_int("to", 1);  // ONNX FLOAT
  }
  g.sort_topologically();
  if (report) *report = r;
  return out;
}

}  // namespace wisp::quant
