// Cross-layer equalization (Nagel et al., "Data-Free Quantization Through Weight
// Equalization and Bias Correction", ICCV 2019).
//
// Per-channel weight ranges of depthwise convs differ by orders of magnitude (BN folding
// multiplies each channel by gamma/sigma), which is why MobileNetV2 collapses under
// per-tensor weight quantization and loses resolution even per channel in the activations
// between layers. For two consecutive convs y = W2 * f(W1 x + b1) with f positively
// homogeneous (ReLU, or nothing), scaling output channel c of the first by 1/s_c and input
// channel c of the second by s_c leaves the result unchanged:
//     W1[c] /= s_c, b1[c] /= s_c, W2[:, c] *= s_c,   with s_c = sqrt(r1_c / r2_c)
// where r1_c, r2_c are the channel's max |weight| in each layer; afterwards both ranges are
// sqrt(r1_c * r2_c). Relu6/Clip are NOT positively homogeneous (the 6 would move), so pairs
// through them are skipped; a chain (conv -> dw -> pw) is equalized by repeating the sweep
// a few times (each pair update changes its neighbours' ranges).
#include <algorithm>
#include <cmath>
#include <map>

#include "quant/model_prep.hpp"

namespace wisp::quant {
namespace {

bool const_f32(const Value* v, int rank) {
  return v && v->is_constant() && v->constant->dtype() == DType::kF32 && v->constant->shape().rank() == rank;
}

struct Pair {
  Node* first;
  Node* second;
};

std::vector<Pair> find_pairs(Graph& g) {
  std::map<const Value*, std::vector<Node*>> readers;
  for (const auto& n : g.nodes())
    for (const Value* v : n->inputs)
      if (v) readers[v].push_back(n.get());
  auto is_output = [&](const Value* v) { return std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end(); };
  auto only_reader = [&](const Value* v) -> Node* {
    auto it = readers.find(v);
    if (it == readers.end() || it->second.size() != 1 || is_output(v)) return nullptr;
    return it->second[0];
  };
  std::vector<Pair> pairs;
  for (const auto& up : g.nodes()) {
    Node* a = up.get();
    if (a->op_type != "Conv" || !a->domain.empty() || !const_f32(a->inputs[1], 4)) continue;
    if (a->has_input(2) && !const_f32(a->inputs[2], 1)) continue;
    if (readers[a->inputs[1]].size() != 1) continue;  // a shared weight would change elsewhere
    Node* next = only_reader(a->outputs[0]);
    if (next && next->op_type == "Relu" && next->domain.empty()) next = only_reader(next->outputs[0]);
    if (!next || next->op_type != "Conv" || !next->domain.empty() || !const_f32(next->inputs[1], 4)) continue;
    if (readers[next->inputs[1]].size() != 1) continue;
    const Shape& w1 = a->inputs[1]->constant->shape();
    const Shape& w2 = next->inputs[1]->constant->shape();
    const int64_t group = next->attrs.get_int("group", 1);
    if (group <= 0 || w2[0] % group != 0 || w2[1] * group != w1[0]) continue;
    pairs.push_back({a, next});
  }
  return pairs;
}

void equalize_pair(const Pair& p) {
  const Tensor& w1 = *p.first->inputs[1]->constant;
  const Tensor& w2 = *p.second->inputs[1]->constant;
  const int64_t c_out1 = w1.shape()[0], per1 = w1.numel() / c_out1;
  const int64_t c_out2 = w2.shape()[0], cin_pg = w2.shape()[1], k2 = w2.shape().numel(2, 4);
  const int64_t group = p.second->attrs.get_int("group", 1), cout_pg = c_out2 / group;
  std::vector<double> s(static_cast<size_t>(c_out1), 1.0);
  for (int64_t c = 0; c < c_out1; ++c) {
    double r1 = 0, r2 = 0;
    for (int64_t i = 0; i < per1; ++i) r1 = std::max(r1, std::abs(double(w1.as<float>()[c * per1 + i])));
    const int64_t g = c / cin_pg, ci = c % cin_pg;
    for (int64_t o = g * cout_pg; o < (g + 1) * cout_pg; ++o)
      for (int64_t k = 0; k < k2; ++k)
        r2 = std::max(r2, std::abs(double(w2.as<float>()[(o * cin_pg + ci) * k2 + k])));
    if (r1 > 0 && r2 > 0) s[static_cast<size_t>(c)] = std::clamp(std::sqrt(r1 / r2), 1e-4, 1e4);
  }
  Tensor n1 = Tensor::copy_of(w1.view()), n2 = Tensor::copy_of(w2.view());
  for (int64_t c = 0; c < c_out1; ++c)
    for (int64_t i = 0; i < per1; ++i) n1.as<float>()[c * per1 + i] = float(n1.as<float>()[c * per1 + i] / s[size_t(c)]);
  for (int64_t o = 0; o < c_out2; ++o)
    for (int64_t ci = 0; ci < cin_pg; ++ci) {
      const int64_t c = (o / cout_pg) * cin_pg + ci;
      for (int64_t k = 0; k < k2; ++k) {
        float& w = n2.as<float>()[(o * cin_pg + ci) * k2 + k];
        w = float(w * s[size_t(c)]);
      }
    }
  p.first->inputs[1]->constant = std::make_shared<const Tensor>(std::move(n1));
  p.second->inputs[1]->constant = std::make_shared<const Tensor>(std::move(n2));
  if (p.first->has_input(2)) {
    Tensor b = Tensor::copy_of(p.first->inputs[2]->constant->view());
    for (int64_t c = 0; c < c_out1 && c < b.numel(); ++c) b.as<float>()[c] = float(b.as<float>()[c] / s[size_t(c)]);
    p.first->inputs[2]->constant = std::make_shared<const Tensor>(std::move(b));
  }
}

}  // namespace

int64_t equalize_cross_layer(Graph& g) {
  const std::vector<Pair> pairs = find_pairs(g);
  // Biases shared between nodes would be rescaled for all: give each first conv its own.
  std::map<const Value*, int> uses;
  for (const auto& n : g.nodes())
    for (const Value* v : n->inputs)
      if (v) ++uses[v];
  for (const Pair& p : pairs)
    if (p.first->has_input(2) && uses[p.first->inputs[2]] > 1) {
      Value* b = g.add_constant(g.unique_name(p.first->inputs[2]->name + "_eq"), Tensor::copy_of(p.first->inputs[2]->constant->view()));
      p.first->inputs[2] = b;
    }
  for (int sweep = 0; sweep < 4; ++sweep)
    for (const Pair& p : pairs) equalize_pair(p);
  g.erase_unused_values();
  return static_cast<int64_t>(pairs.size());
}

}  // namespace wisp::quant
