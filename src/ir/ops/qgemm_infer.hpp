// Prepare-time half of the fixed-point integer form (kernels/ref/qgemm.hpp) shared by
// QLinearConv and QLinearMatMul: reads the constant scales, zero points, weights and
// bias, checks they fit the form, and fills ref::QGemm (multipliers, weight sums, clamp).
#pragma once
#include <cstdint>

#include "ir/op_registry.hpp"
#include "kernels/ref/qgemm.hpp"

namespace wisp {

// wisp_fixed_point=1 on QLinearConv / QLinearMatMul selects the fixed-point form; the
// optional wisp_qmin / wisp_qmax narrow the output range (fused Relu / Clip), in y's type.
inline constexpr const char* kFixedPointAttr = "wisp_fixed_point";
inline constexpr const char* kQMinAttr = "wisp_qmin";
inline constexpr const char* kQMaxAttr = "wisp_qmax";

// Input indices of the QLinear* operands (bias -1 when the op has none).
struct QGemmInputs {
  int x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, bias;
};

// Fills q for `channels` output channels of `k` weights each. W is [channels, k]
// (Conv) or, with w_rows_are_k, [k, channels] (MatMul's B), stored transposed in q.
void fill_fixed_point(InferContext& ctx, const QGemmInputs& in, int64_t channels, int64_t k, bool w_rows_are_k,
                      ref::QGemm& q);

// Scratch bytes the x86 integer GEMM (kernels/x86/qgemm_x86.hpp) needs for a K of k, for
// the session's ISA and threads (0 when the session does not run x86 SIMD kernels).
int64_t qgemm_x86_scratch_bytes(const InferContext& ctx, int64_t k);

}  // namespace wisp
