// Matchers shared by the QDQ fusion passes (fuse_qdq_conv/_matmul/_add/_passthrough.cpp):
// reading the QuantizeLinear / DequantizeLinear nodes of an ONNX QDQ graph (Contract 1 of
// the quantization design: the form ORT's quantizer and Wisp's emit).
#pragma once
#include <cstdint>
#include <optional>

#include "passes/match_util.hpp"
#include "passes/rewrite_util.hpp"

namespace wisp::passes {

// A per-tensor DequantizeLinear / QuantizeLinear: integer tensor q (uint8/int8),
// one-element constant scale and zero point (zp absent = 0 of q's type... for DQ the type
// of q; for Q uint8).
struct QdqParams {
  Node* node = nullptr;
  Value* q = nullptr;        // DQ: its input; Q: its output
  Value* scale = nullptr;    // constant
  Value* zero_point = nullptr;  // constant, or null (absent)
  DType qtype = DType::kUndefined;
  double scale_value = 0;
  int64_t zp_value = 0;
};

// v = DequantizeLinear(q, scale, zp) per tensor with constant params and q uint8/int8.
std::optional<QdqParams> per_tensor_dq(const Value* v);
// n is a per-tensor QuantizeLinear to uint8/int8 with constant params.
std::optional<QdqParams> per_tensor_q(Node* n);
// Narrows [qmin, qmax] (in y's integer type) by a Relu / Clip (constant bounds) that sits
// between an op and its output's Q `y`; false when `act` is neither.
bool activation_clamp(const Node& act, const QdqParams& y, int64_t& qmin, int64_t& qmax);
// The single reader of v when it is a Relu/Clip reading v (null otherwise).
Node* activation_after(const UseMap& uses, const Value* v);
// A Conv / Gemm bias as an int32 [n] constant in units of x_scale * w_scale[i] (w_scale a
// float32 tensor of 1 or n values): a DQ(int32, zero point 0) with that scale is reused as
// is; another scale, or a float constant, is re-quantized into a new constant; null when it
// is neither or a value could overflow the int32 accumulator of a K = k dot product.
Value* int32_bias(Graph& g, const Value* bias, double x_scale, const Tensor& w_scale, int64_t n, int64_t k);
// |bias| + 255 * 128 * k < 2^31: every int32 of the fixed-point kernels stays in range
// (ir/ops/qgemm_infer.cpp refuses other nodes).
bool fits_int32_accumulator(int64_t k, int64_t bias);
// The two quantizations are the same (scale and zero point and type).
bool same_qparams(const QdqParams& a, const QdqParams& b);

// Applies `rewrite(g, uses, node)` to the first node where it matches, rebuilds the use
// map (a rewrite removes and adds nodes) and starts again, until no node matches; true
// when anything changed. Restarting keeps every match working on a current graph, and
// each rewrite removes nodes, so the loop ends.
bool rewrite_until_no_match(Graph& g, bool (*rewrite)(Graph&, const UseMap&, Node&));

}  // namespace wisp::passes
