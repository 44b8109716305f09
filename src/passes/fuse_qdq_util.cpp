// See fuse_qdq_util.hpp.
#include "passes/fuse_qdq_util.hpp"

#include <algorithm>
#include <cmath>

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

bool same_qparams(const QdqParams& a, const QdqParams& b) {
  return a.qtype == b.qtype && a.zp_value == b.zp_value && a.scale_value == b.scale_value;
}

}  // namespace wisp::passes
