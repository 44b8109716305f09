#include "verify/layer_compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/status.hpp"
#include "ir/graph_clone.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"

namespace wisp::verify {

void ErrorAccumulator::add(const float* reference, const float* other, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    const double f = reference[i], q = other[i], d = f - q;
    signal_ += f * f;
    noise_ += d * d;
    dot_ += f * q;
    other_energy_ += q * q;
    // NaN in either side counts as an infinite error (NaN compares false with anything).
    max_abs_ = std::isnan(d) ? std::numeric_limits<double>::infinity() : std::max(max_abs_, std::fabs(d));
  }
  count_ += count;
}

void ErrorAccumulator::add_channels(const float* reference, const float* other, int64_t outer, int64_t channels,
                                    int64_t inner) {
  add(reference, other, outer * channels * inner);
  if (ch_signal_.empty()) ch_signal_.assign(static_cast<size_t>(channels), 0.0);
  ch_dot_.resize(ch_signal_.size(), 0.0);
  ch_other_.resize(ch_signal_.size(), 0.0);
  if (static_cast<int64_t>(ch_signal_.size()) != channels) return;  // shape changed: keep the first layout's sums
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      const float* f = reference + (o * channels + c) * inner;
      const float* q = other + (o * channels + c) * inner;
      double ff = 0, fq = 0, qq = 0;
      for (int64_t i = 0; i < inner; ++i) {
        ff += double(f[i]) * f[i];
        fq += double(f[i]) * q[i];
        qq += double(q[i]) * q[i];
      }
      ch_signal_[static_cast<size_t>(c)] += ff;
      ch_dot_[static_cast<size_t>(c)] += fq;
      ch_other_[static_cast<size_t>(c)] += qq;
    }
}

double ErrorAccumulator::rescaled_sqnr_db() const {
  if (ch_signal_.empty()) return sqnr_db();
  double signal = 0, residual = 0;
  for (size_t c = 0; c < ch_signal_.size(); ++c) {
    signal += ch_signal_[c];
    // Best scale a = sum fq / sum q^2 leaves sum f^2 - (sum fq)^2 / sum q^2 (>= 0 up to rounding).
    residual += ch_other_[c] > 0 ? std::max(0.0, ch_signal_[c] - ch_dot_[c] * ch_dot_[c] / ch_other_[c]) : ch_signal_[c];
  }
  if (std::isnan(residual) || std::isinf(max_abs_)) return -std::numeric_limits<double>::infinity();
  if (residual == 0) return std::numeric_limits<double>::infinity();
  if (signal == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / residual);
}

double ErrorAccumulator::sqnr_db() const {
  if (std::isnan(noise_) || std::isinf(max_abs_)) return -std::numeric_limits<double>::infinity();
  if (noise_ == 0) return std::numeric_limits<double>::infinity();
  if (signal_ == 0) return -std::numeric_limits<double>::infinity();  // any error on an all-zero tensor
  return 10.0 * std::log10(signal_ / noise_);
}

double ErrorAccumulator::cosine() const {
  if (signal_ == 0 && other_energy_ == 0) return 1.0;  // both all zero: the same direction by convention
  if (signal_ == 0 || other_energy_ == 0) return 0.0;
  return dot_ / std::sqrt(signal_ * other_energy_);
}

std::vector<const Value*> shared_probe_values(const Model& float_model, const Model& quant_model) {
  std::vector<const Value*> out;
  for (const auto& node : float_model.graph.nodes())
    for (const Value* v : node->outputs) {
      // Intermediate types are often undeclared in ONNX files (kUndefined): those are kept
      // here and dropped by compare_layers if they turn out not to be float32.
      if (v == nullptr || (v->dtype != DType::kF32 && v->dtype != DType::kUndefined)) continue;
      const Value* q = quant_model.graph.find_value(v->name);
      if (q != nullptr && !q->is_constant() && (q->dtype == DType::kF32 || q->dtype == DType::kUndefined))
        out.push_back(v);
    }
  return out;
}

namespace {

// A copy of `model` whose outputs are its own outputs followed by `names` (those that are
// not outputs already); returns the output index of every name.
std::shared_ptr<Model> with_probe_outputs(const Model& model, const std::vector<std::string>& names, bool optimize,
                                          std::vector<size_t>& index) {
  std::shared_ptr<Model> probe = clone_model(model);
  Graph& g = probe->graph;
  index.clear();
  for (const std::string& name : names) {
    Value* v = g.find_value(name);
    WISP_ASSERT(v != nullptr);
    auto it = std::find(g.outputs.begin(), g.outputs.end(), v);
    if (it == g.outputs.end()) it = g.outputs.insert(g.outputs.end(), v);
    index.push_back(static_cast<size_t>(it - g.outputs.begin()));
  }
  if (!optimize) return probe;
  // Passes keep graph outputs by name and order, so the indices stay valid.
  return optimize_model(*probe);
}

}  // namespace

LayerCompareResult compare_layers(const Model& float_model, const Model& quant_model, const Tensor& data,
                                  const LayerCompareOptions& options) {
  const std::vector<const Value*> probes = shared_probe_values(float_model, quant_model);
  WISP_CHECK(!probes.empty(), ErrorCode::kInvalidArgument,
             "the quantized model shares no intermediate tensor name with the float model: compare needs a QDQ model "
             "made from this float model (wisp optimize --int8), where tensor X keeps its name");
  WISP_CHECK(!float_model.graph.inputs.empty() && !quant_model.graph.inputs.empty() &&
                 float_model.graph.inputs[0]->name == quant_model.graph.inputs[0]->name,
             ErrorCode::kInvalidArgument, "the two models must have the same first input (the data is fed to it)");
  std::vector<std::string> names;
  std::map<std::string, int64_t> order;
  for (const auto& node : float_model.graph.nodes())
    for (const Value* v : node->outputs)
      if (v != nullptr) order[v->name] = static_cast<int64_t>(order.size());
  for (const Value* v : probes) names.push_back(v->name);

  std::vector<size_t> float_index, quant_index;
  auto float_probe = with_probe_outputs(float_model, names, options.optimize, float_index);
  auto quant_probe = with_probe_outputs(quant_model, names, options.optimize, quant_index);

  // Both models run batch by batch side by side: only one batch of probes is alive at a time.
  std::vector<ErrorAccumulator> acc(names.size());
  std::vector<bool> not_float(names.size(), false);
  LayerCompareResult result;
  BatchFeeder feeder(*float_probe, data, options.batches);
  Session float_session(float_probe, session_config(options.batches));
  Session quant_session(quant_probe, session_config(options.batches));
  for (int64_t b = 0; b < feeder.batches(); ++b) {
    const std::vector<Tensor> ref = float_session.run(feeder.feed(b));
    const std::vector<Tensor> outs = quant_session.run(feeder.feed(b));
    for (size_t p = 0; p < names.size(); ++p) {
      const Tensor& f = ref[float_index[p]];
      const Tensor& q = outs[quant_index[p]];
      if (f.dtype() != DType::kF32 || q.dtype() != DType::kF32) {
        not_float[p] = true;  // e.g. an int64 shape tensor: nothing to compare
        continue;
      }
      WISP_CHECK(f.shape() == q.shape(), ErrorCode::kInvalidArgument, "tensor '", names[p], "' is ", f.shape().str(),
                 " in the float model but ", q.shape().str(), " in the quantized one");
      const Shape& shape = f.shape();
      const int64_t channels = shape.rank() >= 2 ? shape[1] : 1;
      const int64_t inner = shape.rank() >= 2 && channels > 0 ? f.numel() / (shape[0] * channels) : 1;
      if (shape.rank() >= 2 && shape[0] > 0 && channels > 0)
        acc[p].add_channels(f.as<float>(), q.as<float>(), shape[0], channels, inner);
      else
        acc[p].add(f.as<float>(), q.as<float>(), f.numel());
    }
  }
  result.samples = feeder.samples();
  for (size_t p = 0; p < names.size(); ++p) {
    if (not_float[p]) continue;
    LayerError e;
    e.value = names[p];
    const Value* v = probes[p];
    e.node = v->producer ? v->producer->name : "";
    e.op = v->producer ? v->producer->op_type : "";
    e.order = order[names[p]];
    e.elements = acc[p].count();
    e.sqnr_db = acc[p].sqnr_db();
    e.cosine = acc[p].cosine();
    e.max_abs_error = acc[p].max_abs_error();
    e.rescaled_sqnr_db = acc[p].rescaled_sqnr_db();
    e.rescaled = e.rescaled_sqnr_db > e.sqnr_db + 10.0;
    result.layers.push_back(std::move(e));
  }
  std::stable_sort(result.layers.begin(), result.layers.end(),
                   [](const LayerError& a, const LayerError& b) { return a.rank_db() < b.rank_db(); });
  return result;
}

}  // namespace wisp::verify
