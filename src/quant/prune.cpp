// prune(): the entry point, the report, and unstructured magnitude pruning (the simple
// half). Structured channel pruning is in prune_channels.cpp.
#include "quant/prune.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "core/status.hpp"
#include "ir/graph_clone.hpp"
#include "passes/passes.hpp"
#include "quant/prune_channels.hpp"

namespace wisp::quant {
namespace {

bool reads_weight(const Node& n) {
  return n.domain.empty() && (n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" ||
                              n.op_type == "MatMul");
}

// Zeroes the floor(ratio * n) smallest magnitudes of each weight (ties broken by
// position, so the result does not depend on the sort's stability).
void prune_magnitudes(Graph& g, double ratio, PruneReport& r) {
  std::set<Value*> done;
  for (const auto& n : g.nodes()) {
    if (!reads_weight(*n) || !n->has_input(1)) continue;
    Value* w = n->inputs[1];
    if (!w->is_constant() || w->constant->dtype() != DType::kF32 || !done.insert(w).second) continue;
    Tensor t = Tensor::copy_of(w->constant->view());
    float* p = t.as<float>();
    const int64_t count = t.numel(), drop = static_cast<int64_t>(std::floor(ratio * static_cast<double>(count)));
    std::vector<int64_t> order(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    auto smaller = [&](int64_t a, int64_t b) {
      const float fa = std::fabs(p[a]), fb = std::fabs(p[b]);
      return fa < fb || (fa == fb && a < b);
    };
    if (drop > 0) {
      std::nth_element(order.begin(), order.begin() + drop - 1, order.end(), smaller);
      for (int64_t i = 0; i < drop; ++i) p[order[static_cast<size_t>(i)]] = 0.0f;
    }
    int64_t nonzero = 0;
    for (int64_t i = 0; i < count; ++i) nonzero += p[i] != 0.0f;
    r.layers.push_back({n->name, count, nonzero, ""});
    w->constant = std::make_shared<const Tensor>(std::move(t));
  }
}

void count_params(const Graph& g, int64_t& params, int64_t* nonzero) {
  params = 0;
  if (nonzero) *nonzero = 0;
  for (const auto& v : g.values()) {
    if (!v->is_constant()) continue;
    params += v->constant->numel();
    if (!nonzero) continue;
    const Tensor& t = *v->constant;
    if (t.dtype() != DType::kF32) {
      *nonzero += t.numel();
      continue;
    }
    for (float x : t.span<float>()) *nonzero += x != 0.0f;
  }
}

}  // namespace

std::string PruneReport::summary() const {
  std::string s = str_cat(structured ? "structured" : "unstructured", " pruning, ratio ", ratio, "\n");
  for (const PruneLayer& l : layers) {
    s += str_cat("  ", l.node, ": ", l.before, " -> ", l.after, structured ? " channels" : " nonzero weights");
    if (!l.skipped.empty()) s += str_cat(" (kept: ", l.skipped, ")");
    s += "\n";
  }
  s += str_cat("  parameters ", params_before, " -> ", params_after, ", nonzero ", nonzero_after, "\n");
  return s;
}

std::shared_ptr<Model> prune(const Model& model, double ratio, bool structured, PruneReport* report) {
  WISP_CHECK(ratio >= 0 && ratio < 1, ErrorCode::kInvalidArgument, "prune: ratio ", ratio,
             " is outside [0, 1) (the fraction of weights or channels to remove)");
  std::shared_ptr<Model> out = clone_model(model);
  // Weights behind Constant nodes or Identity (torch.onnx shares weights that way) become
  // plain constants first; both rewrites keep the graph standard ONNX.
  passes::constant_nodes_to_values(out->graph);
  passes::eliminate_identity(out->graph);
  PruneReport r;
  r.structured = structured;
  r.ratio = ratio;
  count_params(out->graph, r.params_before, nullptr);
  if (structured) prune_conv_channels(out->graph, ratio, r.layers);
  else prune_magnitudes(out->graph, ratio, r);
  out->graph.erase_unused_values();
  count_params(out->graph, r.params_after, &r.nonzero_after);
  if (report) *report = std::move(r);
  return out;
}

}  // namespace wisp::quant
