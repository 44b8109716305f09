#include "quant/layer_sqnr.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "quant/model_prep.hpp"

namespace wisp::quant {

std::map<std::string, double> value_sqnr(const Model& reference, const Model& test, const std::vector<std::string>& names,
                                         const CalibrationData& data, int threads) {
  std::vector<std::string> common;
  for (const std::string& n : names) {
    const Value* a = reference.graph.find_value(n);
    const Value* b = test.graph.find_value(n);
    if (a && b && !a->is_constant() && !b->is_constant() &&
        std::find(common.begin(), common.end(), n) == common.end())
      common.push_back(n);
  }
  // Reference values per feed, kept until the test model has run on the same feed.
  std::map<std::string, std::vector<Tensor>> ref;
  run_collecting(reference, data, common, threads, false, "",
                 [&](size_t, const std::string& n, const TensorView& v) { ref[n].push_back(Tensor::copy_of(v)); });
  std::map<std::string, std::pair<double, double>> acc;  // signal, noise
  std::map<std::string, size_t> next;
  run_collecting(test, data, common, threads, false, "", [&](size_t, const std::string& n, const TensorView& v) {
    const Tensor& r = ref[n].at(next[n]++);
    if (r.dtype() != DType::kF32 || v.dtype != DType::kF32 || r.numel() != v.numel()) return;
    auto& [s, e] = acc[n];
    for (int64_t i = 0; i < r.numel(); ++i) {
      const double f = r.as<float>()[i], q = v.as<float>()[i];
      s += f * f;
      e += (f - q) * (f - q);
    }
  });
  std::map<std::string, double> out;
  for (const auto& [n, se] : acc)
    out[n] = se.second <= se.first * 1e-20 ? 200.0 : (se.first <= 0 ? 0.0 : 10.0 * std::log10(se.first / se.second));
  return out;
}

std::vector<std::pair<std::string, double>> rank_sensitive_nodes(const Model& float_model, const Model& quantized,
                                                                 const QuantizeReport& report,
                                                                 const CalibrationData& data, int threads) {
  const Graph& g = float_model.graph;
  std::map<const Value*, std::vector<const Node*>> readers;
  for (const auto& n : g.nodes())
    for (const Value* v : n->inputs)
      if (v) readers[v].push_back(n.get());
  struct Probe {
    std::string node, in, out;
  };
  std::vector<Probe> probes;
  std::vector<std::string> names;
  const std::set<std::string> wanted(report.quantized_nodes.begin(), report.quantized_nodes.end());
  for (const auto& n : g.nodes()) {
    if (!wanted.count(n->name) || !n->has_input(0)) continue;
    const Value* out = n->outputs[0];
    auto r = readers.find(out);
    if (r != readers.end() && r->second.size() == 1 &&
        (r->second[0]->op_type == "Relu" || r->second[0]->op_type == "Clip"))
      out = r->second[0]->outputs[0];
    probes.push_back({n->name, n->inputs[0]->name, out->name});
    names.push_back(n->inputs[0]->name);
    names.push_back(out->name);
  }
  const std::map<std::string, double> sqnr = value_sqnr(float_model, quantized, names, data, threads);
  std::vector<std::pair<std::string, double>> ranked;
  for (const Probe& p : probes) {
    auto in = sqnr.find(p.in);
    auto out = sqnr.find(p.out);
    const double in_db = in == sqnr.end() ? 200.0 : in->second;  // a graph input is exact
    if (out == sqnr.end()) continue;
    ranked.emplace_back(p.node, in_db - out->second);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return ranked;
}

}  // namespace wisp::quant
