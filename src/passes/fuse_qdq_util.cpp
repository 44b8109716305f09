// See fuse_qdq_util.hpp.
#include "passes/fuse_qdq_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace wisp::passes {
namespace {

bool is_8bit(DType t) { return t == DType::kU8 || t == DType::kI8; }

// Fills scale/zp of a Q or DQ node (inputs 1, 2); false unless both are one-element constants.
bool read_params(Node* n, QdqParams& p) {
  p.node = n;
  if (!n->has_input(1)) return false;
  p.scale = n->inputs[1];
  const std::optional<double> s = scalar_constant(p.scale);
  if (!s || !(*s > 0)) return false;
  p.scale_value = *s;
  p.zero_point = n->has_input(2) ? n->inputs[2] : nullptr;
  if (p.zero_point) {
    const std::optional<double> z = scalar_constant(p.zero_point);
    if (!z) return false;
    p.zp_value = static_cast<int64_t>(*z);
  }
  return true;
}

}  // namespace

std::optional<QdqParams> per_tensor_dq(const Value* v) {
  Node* dq = made_by(v, "DequantizeLinear");
  if (!dq || !dq->has_input(0)) return std::nullopt;
  QdqParams p;
  if (!read_params(dq, p)) return std::nullopt;
  p.q = dq->inputs[0];
  // Intermediate values rarely declare their type; the zero point has q's type (ONNX).
  p.qtype = p.zero_point ? known_dtype(p.zero_point) : known_dtype(p.q);
  if (!is_8bit(p.qtype)) return std::nullopt;
  if (known_dtype(p.q) != DType::kUndefined && known_dtype(p.q) != p.qtype) return std::nullopt;
  return p;
}

std::optional<QdqParams> per_tensor_q(Node* n) {
  if (!n || n->op_type != "QuantizeLinear" || !n->domain.empty() || !n->has_output(0) || !n->has_input(0))
    return std::nullopt;
  QdqParams p;
  if (!read_params(n, p)) return std::nullopt;
  p.q = n->outputs[0];
  // The output type is the zero point's (uint8 when it is absent; output_dtype attrs of
  // newer opsets are not handled: no fusion).
  if (n->attrs.has("output_dtype")) return std::nullopt;
  p.qtype = p.zero_point ? known_dtype(p.zero_point) : DType::kU8;
  if (!is_8bit(p.qtype)) return std::nullopt;
  return p;
}

bool activation_clamp(const Node& act, const QdqParams& y, int64_t& qmin, int64_t& qmax) {
  // As QuantizeLinear computes it (float division, half to even), so a value clipped to
  // the bound quantizes exactly as in the float simulation.
  const auto q_of = [&](double t) {
    return static_cast<int64_t>(std::nearbyint(static_cast<float>(t) / static_cast<float>(y.scale_value))) + y.zp_value;
  };
  if (act.op_type == "Relu") {
    qmin = std::max(qmin, y.zp_value);
    return true;
  }
  if (act.op_type != "Clip") return false;
  std::optional<double> lo, hi;
  if (act.opset < 11) {
    lo = act.attrs.get_float("min", -3.4028234663852886e38f);
    hi = act.attrs.get_float("max", 3.4028234663852886e38f);
  } else {
    if (act.has_input(1) && !(lo = scalar_constant(act.inputs[1]))) return false;
    if (act.has_input(2) && !(hi = scalar_constant(act.inputs[2]))) return false;
  }
  if (lo && *lo / y.scale_value > -1e9) qmin = std::max(qmin, q_of(*lo));
  if (hi && *hi / y.scale_value < 1e9) qmax = std::min(qmax, q_of(*hi));
  return true;
}

Node* activation_after(const UseMap& uses, const Value* v) {
  Node* next = uses.single_use(v) ? uses.uses(v)[0].node : nullptr;
  if (next && next->domain.empty() && (next->op_type == "Relu" || next->op_type == "Clip") && next->has_output(0) &&
      next->inputs[0] == v)
    return next;
  return nullptr;
}

bool fits_int32_accumulator(int64_t k, int64_t bias) {
  return std::abs(bias) + int64_t{32640} * k < (int64_t{1} << 31);
}

Value* int32_bias(Graph& g, const Value* c, double a_scale, const Tensor& b_scale, int64_t n, int64_t k) {
  const auto acc_scale = [&](int64_t i) {
    return static_cast<double>(static_cast<float>(a_scale) * b_scale.as<float>()[b_scale.numel() == 1 ? 0 : i]);
  };
  std::vector<double> real(static_cast<size_t>(n));
  if (Node* dq = made_by(c, "DequantizeLinear")) {
    const Tensor* bq = dq->has_input(0) ? constant_of(dq->inputs[0]) : nullptr;
    const Tensor* bs = dq->has_input(1) ? constant_of(dq->inputs[1]) : nullptr;
    if (!bq || bq->dtype() != DType::kI32 || bq->numel() != n || !bs || bs->dtype() != DType::kF32) return nullptr;
    if (bs->numel() != 1 && bs->numel() != n) return nullptr;
    if (dq->has_input(2)) {
      const Tensor* bz = constant_of(dq->inputs[2]);
      if (!bz || bz->dtype() != DType::kI32) return nullptr;
      for (int64_t i = 0; i < bz->numel(); ++i)
        if (bz->as<int32_t>()[i] != 0) return nullptr;
    }
    bool same = true;
    for (int64_t i = 0; i < n; ++i) {
      const double s = bs->as<float>()[bs->numel() == 1 ? 0 : i];
      same &= std::fabs(s - acc_scale(i)) <= 1e-6 * acc_scale(i);
      real[i] = bq->as<int32_t>()[i] * s;
    }
    bool fits = true;
    for (int64_t i = 0; i < n; ++i) fits &= fits_int32_accumulator(k, bq->as<int32_t>()[i]);
    if (same && fits && bq->shape().rank() == 1) return dq->inputs[0];
  } else if (const Tensor* bf = constant_of(c); bf && bf->dtype() == DType::kF32 && bf->numel() == n) {
    for (int64_t i = 0; i < n; ++i) real[i] = bf->as<float>()[i];
  } else {
    return nullptr;
  }
  Tensor out(DType::kI32, Shape{n});
  for (int64_t i = 0; i < n; ++i) {
    const double v = std::nearbyint(real[i] / acc_scale(i));
    if (!(std::fabs(v) < 2147483647.0) || !fits_int32_accumulator(k, static_cast<int64_t>(v))) return nullptr;
    out.as<int32_t>()[i] = static_cast<int32_t>(v);
  }
  return g.add_constant(g.unique_name(c->name + "_int32"), std::move(out));
}

bool same_qparams(const QdqParams& a, const QdqParams& b) {
  return a.qtype == b.qtype && a.zp_value == b.zp_value && a.scale_value == b.scale_value;
}

bool rewrite_until_no_match(Graph& g, bool (*rewrite)(Graph&, const UseMap&, Node&)) {
  bool changed = false;
  for (bool again = true; again;) {
    again = false;
    const UseMap uses(g);
    for (const auto& np : g.nodes())
      if (rewrite(g, uses, *np)) {
        again = changed = true;
        break;
      }
  }
  return changed;
}

}  // namespace wisp::passes
