// calibrate(): the float model runs twice over the calibration feeds with every candidate
// activation made an extra graph output. Pass 1 records min/max (and per-channel means of
// Conv/Gemm/MatMul inputs, for bias correction); pass 2 fills a 2048-bin histogram of |x|
// over the final [0, absmax] range. Two passes keep the histogram exact (no re-binning as
// the range grows) at the price of running the model twice.
#include <algorithm>
#include <cmath>

#include "core/status.hpp"
#include "ir/graph_clone.hpp"
#include "passes/passes.hpp"
#include "quant/model_prep.hpp"
#include "quant/progress.hpp"
#include "quant/quant_plan.hpp"
#include "runtime/session.hpp"

namespace wisp::quant {

std::shared_ptr<Model> prepare_float_model(const Model& model) {
  std::shared_ptr<Model> m = clone_model(model);
  Graph& g = m->graph;
  for (int round = 0; round < 8; ++round) {
    bool changed = false;
    changed |= passes::constant_nodes_to_values(g);
    changed |= passes::eliminate_identity(g);
    changed |= passes::fold_batchnorm(g);
    changed |= passes::fold_constant_transpose(g);
    changed |= passes::eliminate_dead_nodes(g);
    if (!changed) break;
  }
  g.erase_unused_values();
  return m;
}

void run_collecting(const Model& model, const CalibrationData& data, const std::vector<std::string>& extra_outputs,
                    int threads, bool progress, const char* label,
                    const std::function<void(size_t, const std::string&, const TensorView&)>& visit) {
  std::shared_ptr<Model> m = clone_model(model);
  Graph& g = m->graph;
  std::vector<std::string> from_session, from_feed;
  g.outputs.clear();
  for (const std::string& name : extra_outputs) {
    Value* v = g.find_value(name);
    WISP_CHECK(v != nullptr, ErrorCode::kInternal, "calibration: no value '", name, "'");
    if (std::find(g.inputs.begin(), g.inputs.end(), v) != g.inputs.end()) {
      from_feed.push_back(name);
    } else if (!v->is_constant()) {
      g.outputs.push_back(v);
      from_session.push_back(name);
    }
  }
  SessionConfig config;
  config.threads = threads;
  config.default_symbolic_dim = 1;
  std::shared_ptr<const Model> frozen = m;
  Session session(frozen, config);
  ProgressBar bar(label, static_cast<int64_t>(data.feeds.size()), progress);
  for (size_t i = 0; i < data.feeds.size(); ++i) {
    std::vector<NamedTensorView> feeds;
    for (const auto& [name, t] : data.feeds[i]) feeds.push_back({name, t.view()});
    for (const std::string& name : from_feed)
      for (const auto& [fname, t] : data.feeds[i])
        if (fname == name) visit(i, name, t.view());
    if (!from_session.empty()) {
      std::vector<Tensor> outs = session.run(feeds);
      for (size_t k = 0; k < outs.size(); ++k) visit(i, from_session[k], outs[k].view());
    }
    bar.update(static_cast<int64_t>(i + 1));
  }
}

Calibration calibrate(const Model& float_model, const CalibrationData& data, const QuantizeOptions& options) {
  WISP_CHECK(!data.feeds.empty(), ErrorCode::kInvalidArgument,
             "calibration needs at least one sample (pass --calib DATA with some data)");
  Calibration cal;
  std::shared_ptr<Model> prepared = prepare_float_model(float_model);
  if (options.equalize) {
    cal.equalized_pairs = equalize_cross_layer(prepared->graph);
    cal.equalized = cal.equalized_pairs > 0;
  }
  // Statistics for every tensor any later quantize call might quantize: keep_float and
  // only_nodes are applied when quantizing, not here.
  const QuantPlan plan = plan_quantization(prepared->graph, QuantizeOptions{});
  cal.prepared_model = prepared;

  std::map<std::string, std::vector<double>> channel_sums;
  std::map<std::string, int64_t> channel_counts;
  std::set<std::string> not_float;
  run_collecting(*prepared, data, plan.activations, options.threads, options.progress, "calibrate 1/2",
                 [&](size_t, const std::string& name, const TensorView& v) {
                   if (v.dtype != DType::kF32) {
                     not_float.insert(name);
                     return;
                   }
                   TensorStats& s = cal.tensors[name];
                   const float* p = v.as<float>();
                   const int64_t n = v.numel();
                   for (int64_t i = 0; i < n; ++i) {
                     const double x = p[i];
                     if (!std::isfinite(x)) continue;
                     if (s.count == 0 && i == 0) s.min = s.max = x;
                     s.min = std::min(s.min, x);
                     s.max = std::max(s.max, x);
                   }
                   s.count += n;
                   auto ax = plan.channel_axis.find(name);
                   if (ax == plan.channel_axis.end() || v.shape.rank() < 2) return;
                   const int axis = ax->second < 0 ? v.shape.rank() - 1 : ax->second;
                   const int64_t c = v.shape[axis];
                   const int64_t inner = v.shape.numel(axis + 1, v.shape.rank());
                   std::vector<double>& sums = channel_sums[name];
                   if (sums.empty()) sums.assign(static_cast<size_t>(c), 0.0);
                   if (static_cast<int64_t>(sums.size()) != c) return;
                   for (int64_t i = 0; i < n; ++i) sums[static_cast<size_t>((i / inner) % c)] += p[i];
                   channel_counts[name] += n / c;
                 });
  for (const std::string& name : not_float) cal.tensors.erase(name);
  for (auto& [name, sums] : channel_sums) {
    auto it = cal.tensors.find(name);
    if (it == cal.tensors.end() || channel_counts[name] == 0) continue;
    for (double& x : sums) x /= static_cast<double>(channel_counts[name]);
    it->second.channel_mean = sums;
  }
  std::vector<std::string> names;
  for (auto& [name, s] : cal.tensors) {
    s.hist_min = 0;
    s.hist_max = std::max(std::abs(s.min), std::abs(s.max));
    s.histogram.assign(kHistogramBins, 0.0);
    names.push_back(name);
  }
  run_collecting(*prepared, data, names, options.threads, options.progress, "calibrate 2/2",
                 [&](size_t, const std::string& name, const TensorView& v) {
                   TensorStats& s = cal.tensors.at(name);
                   if (s.hist_max <= 0) return;
                   const double inv = kHistogramBins / s.hist_max;
                   const float* p = v.as<float>();
                   for (int64_t i = 0; i < v.numel(); ++i) {
                     const double a = std::abs(static_cast<double>(p[i]));
                     if (!std::isfinite(a)) continue;
                     const auto b = std::min<int64_t>(static_cast<int64_t>(a * inv), kHistogramBins - 1);
                     s.histogram[static_cast<size_t>(b)] += 1;
                   }
                 });
  return cal;
}

}  // namespace wisp::quant
