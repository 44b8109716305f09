#include "quant/qdq_rewrite.hpp"

#include <algorithm>
#include <cmath>

#include "core/status.hpp"

namespace wisp::quant {
namespace {

Tensor scalar_f32(float v) {
  Tensor t(DType::kF32, Shape{});
  *t.as<float>() = v;
  return t;
}

SymShape sym_of(const Shape& s) {
  SymShape r;
  for (int64_t d : s) r.push_back(SymDim{d, ""});
  return r;
}

// Constant metadata of a value that becomes a DQ output (it keeps its name and shape).
void make_computed(Value* v, const Shape& shape) {
  v->constant = nullptr;
  v->dtype = DType::kF32;
  v->shape = sym_of(shape);
  v->producer = nullptr;
}

}  // namespace

PerChannelWeights quantize_weights_per_channel(const Tensor& w, int axis) {
  WISP_CHECK(w.dtype() == DType::kF32, ErrorCode::kInternal, "weight quantization needs float32");
  const Shape& s = w.shape();
  PerChannelWeights r;
  r.axis = axis;
  const int64_t outer = s.numel(0, axis), ch = s[axis], inner = s.numel(axis + 1, s.rank());
  r.scales.assign(static_cast<size_t>(ch), 0.0f);
  const float* src = w.as<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < ch; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        float& m = r.scales[static_cast<size_t>(c)];
        m = std::max(m, std::abs(src[(o * ch + c) * inner + i]));
      }
  for (float& sc : r.scales) sc = sc > 0 ? sc / 127.0f : 1.0f;
  r.q = Tensor(DType::kI8, s);
  auto* q = r.q.as<int8_t>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < ch; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (o * ch + c) * inner + i;
        const float v = std::nearbyint(src[k] / r.scales[static_cast<size_t>(c)]);
        q[k] = static_cast<int8_t>(std::clamp(v, -127.0f, 127.0f));
      }
  return r;
}

Tensor dequantize_weights(const PerChannelWeights& w) {
  const Shape& s = w.q.shape();
  const int64_t outer = s.numel(0, w.axis), ch = s[w.axis], inner = s.numel(w.axis + 1, s.rank());
  Tensor out(DType::kF32, s);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < ch; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t k = (o * ch + c) * inner + i;
        out.as<float>()[k] = static_cast<float>(w.q.as<int8_t>()[k]) * w.scales[static_cast<size_t>(c)];
      }
  return out;
}

ActivationParams activation_params(double clip_min, double clip_max, bool symmetric) {
  ActivationParams p;
  clip_min = std::min(clip_min, 0.0);
  clip_max = std::max(clip_max, 0.0);
  if (symmetric) {
    p.is_signed = true;
    const double m = std::max(-clip_min, clip_max);
    p.scale = m > 0 ? static_cast<float>(m / 127.0) : 1.0f;
    p.zero_point = 0;
    return p;
  }
  const double range = clip_max - clip_min;
  p.scale = range > 0 ? static_cast<float>(range / 255.0) : 1.0f;
  p.zero_point = static_cast<int>(std::clamp(std::nearbyint(-clip_min / p.scale), 0.0, 255.0));
  return p;
}

void insert_weight_dq(Graph& g, Value* w, const PerChannelWeights& q) {
  const std::string base = w->name;
  Value* wq = g.add_constant(g.unique_name(base + "_quantized"), q.q);
  Tensor scales(DType::kF32, Shape{static_cast<int64_t>(q.scales.size())});
  std::copy(q.scales.begin(), q.scales.end(), scales.as<float>());
  Value* ws = g.add_constant(g.unique_name(base + "_scale"), std::move(scales));
  Value* wz = g.add_constant(g.unique_name(base + "_zero_point"), Tensor(DType::kI8, Shape{static_cast<int64_t>(q.scales.size())}));
  make_computed(w, q.q.shape());
  Node* dq = g.add_node("DequantizeLinear", base + "_DequantizeLinear", {wq, ws, wz}, {w});
  dq->attrs.set_int("axis", q.axis);
}

void insert_bias_dq(Graph& g, Value* b, float x_scale, const std::vector<float>& w_scales) {
  const Tensor& bias = *b->constant;
  const int64_t n = bias.numel();
  WISP_CHECK(n == static_cast<int64_t>(w_scales.size()), ErrorCode::kInternal, "bias '", b->name, "' has ", n,
             " values for ", w_scales.size(), " weight channels");
  Tensor q(DType::kI32, Shape{n}), scales(DType::kF32, Shape{n});
  for (int64_t c = 0; c < n; ++c) {
    const float s = x_scale * w_scales[static_cast<size_t>(c)];
    scales.as<float>()[c] = s;
    // A bias beyond int32 at this scale (a huge bias on a tiny activation range) saturates.
    const double v = std::nearbyint(static_cast<double>(bias.as<float>()[c]) / s);
    q.as<int32_t>()[c] = static_cast<int32_t>(std::clamp(v, -2147483647.0, 2147483647.0));
  }
  const std::string base = b->name;
  Value* bq = g.add_constant(g.unique_name(base + "_quantized"), std::move(q));
  Value* bs = g.add_constant(g.unique_name(base + "_scale"), std::move(scales));
  Value* bz = g.add_constant(g.unique_name(base + "_zero_point"), Tensor(DType::kI32, Shape{n}));
  make_computed(b, Shape{n});
  Node* dq = g.add_node("DequantizeLinear", base + "_DequantizeLinear", {bq, bs, bz}, {b});
  dq->attrs.set_int("axis", 0);
}

void insert_activation_qdq(Graph& g, Value* x, const ActivationParams& p) {
  const std::string base = x->name;
  const DType qtype = p.is_signed ? DType::kI8 : DType::kU8;
  Value* scale = g.add_constant(g.unique_name(base + "_scale"), scalar_f32(p.scale));
  Tensor zp(qtype, Shape{});
  if (p.is_signed) *zp.as<int8_t>() = static_cast<int8_t>(p.zero_point);
  else *zp.as<uint8_t>() = static_cast<uint8_t>(p.zero_point);
  Value* zero = g.add_constant(g.unique_name(base + "_zero_point"), std::move(zp));
  Value* xq = g.add_value(g.unique_name(base + "_quantized"));
  xq->dtype = qtype;
  xq->shape = x->shape;
  const bool is_input = std::find(g.inputs.begin(), g.inputs.end(), x) != g.inputs.end();
  if (is_input) {
    Value* xd = g.add_value(g.unique_name(base + "_dequantized"));
    xd->dtype = DType::kF32;
    xd->shape = x->shape;
    for (const auto& n : g.nodes())
      for (Value*& in : n->inputs)
        if (in == x) in = xd;
    for (Value*& out : g.outputs)
      if (out == x) out = xd;
    g.add_node("QuantizeLinear", base + "_QuantizeLinear", {x, scale, zero}, {xq});
    g.add_node("DequantizeLinear", base + "_DequantizeLinear", {xq, scale, zero}, {xd});
    return;
  }
  Node* producer = x->producer;
  WISP_CHECK(producer != nullptr, ErrorCode::kInternal, "activation '", base, "' has no producer");
  Value* xf = g.add_value(g.unique_name(base + "_float"));
  xf->dtype = x->dtype == DType::kUndefined ? DType::kF32 : x->dtype;
  xf->shape = x->shape;
  xf->producer = producer;
  xf->producer_output = x->producer_output;
  producer->outputs[static_cast<size_t>(x->producer_output)] = xf;
  x->producer = nullptr;
  x->producer_output = -1;
  g.add_node("QuantizeLinear", base + "_QuantizeLinear", {xf, scale, zero}, {xq});
  g.add_node("DequantizeLinear", base + "_DequantizeLinear", {xq, scale, zero}, {x});
}

}  // namespace wisp::quant
