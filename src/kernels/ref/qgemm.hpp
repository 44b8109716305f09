// The fixed-point int8 GEMM / Conv contract (issue 4, Contract 2): what every integer
// Conv / MatMul kernel computes, on every ISA, bit for bit.
//
// An integer node (QLinearConv / QLinearMatMul carrying the attribute wisp_fixed_point=1,
// made by passes/fuse_qdq_*.cpp or accepted as imported) computes, per output channel c
// and output position p,
//
//   acc[c, p] = sum_k W[c, k] * (X[k, p] - x_zp) + bias[c]                 (int32)
//   Y[c, p]   = quant::requantize(acc, multiplier[c], y_zp, qmin, qmax)
//
// with W int8 symmetric per output channel (zero point 0), X uint8 (any zero point) or
// int8, Y uint8 or int8, multiplier[c] = quant::quantize_multiplier(double(x_scale) *
// double(w_scale[c]) / double(y_scale)) formed once at prepare, and [qmin, qmax] the
// output type's range narrowed by a fused Relu/Clip (attributes wisp_qmin / wisp_qmax).
// For Conv, X[k, p] is the im2col matrix (k = (c_in, kd, kh, kw), padding reads x_zp so
// it adds nothing); for MatMul Y[m, n] = X[m, :] . W[:, n] the channel is n and the
// position m (QGemm::weights holds W transposed: [N, K]).
//
// Why this form, for optimized kernels (x86 AVX2 / AVX-512 VNNI here, NEON sdot/udot):
// - sum_k W * (X - x_zp) = sum_k W * X - x_zp * weight_sums[c]: the inner loop is a pure
//   u8 x s8 dot product; the correction (and the bias) is one int32 per channel,
//   precomputed here (QGemm::bias_minus_zp_sums(x_zp)).
// - int8 activations run in the uint8 domain: x ^ 0x80 == x + 128 as uint8, with
//   x_zp + 128; likewise Y: compute with y_zp + 128, qmin + 128, qmax + 128 and flip the
//   top bit when storing. Exact, so one kernel serves both signednesses.
// - K is padded to a multiple of 4 (dot-product ISAs consume 4 bytes per 32-bit lane:
//   vpdpbusd, sdot/udot); padded weights are 0, so padded activations do not matter.
// - Accumulation is exact in int32 for K <= 65792 (255 * 128 * K < 2^31), which the op's
//   infer checks; AVX2 must widen u8/s8 to int16 and use vpmaddwd (never the saturating
//   vpmaddubsw).
// Packed weight layouts are private to each ISA file and cached in QGemm::packed (packed
// on first use, like the float kernels' PackedWeights; the op's params own the weights).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/matmul.hpp"
#include "quant/requant.hpp"

namespace wisp::ref {

// Tiling of the x86 kernels (kernels/x86/qgemm_x86.hpp), here so the ops' infer can size
// the scratch: each thread im2cols kQGemmTileP positions x K (rounded up to 4) bytes of X
// at a time into its slot, then interleaves them into the packed form (the second half);
// at most kQGemmSlots slots (threads).
inline constexpr int64_t kQGemmTileP = 64, kQGemmSlots = 16;
inline int64_t qgemm_slot_bytes(int64_t k) { return 2 * ((k + 3) / 4 * 4 * kQGemmTileP); }

// The x86 kernels run a group-1, non-pointwise conv whose input channels are a multiple of
// 4 from a channels-last copy of the input (one transpose per image instead of an im2col
// of K x P bytes): K is then ordered (kd, kh, kw, c) so each 4-byte group is 4 channels of
// one tap, adjacent in memory. The copy takes these scratch bytes (0 when not used).
inline bool qconv_uses_channels_last(const ConvParams& p) {
  return p.group == 1 && p.in_channels % 4 == 0 && !conv_is_pointwise(p.geo);
}
inline int64_t qconv_channels_last_bytes(const ConvParams& p) {
  return qconv_uses_channels_last(p) ? p.batch * p.in_channels * p.geo.in_size() : 0;
}

// Bytes rearranged once for one ISA's microkernel (see the file comment).
struct QPackedWeights {
  Isa isa = Isa::kRef;
  bool channels_last = false;  // K ordered (tap, input channel) instead of (channel, tap)
  std::vector<int8_t> storage;  // over-allocated so that `data` is 64-byte aligned
  int8_t* data = nullptr;
};

// The per-node constants of the fixed-point form, filled at prepare by the op's infer.
struct QGemm {
  int64_t channels = 0, k = 0;          // per group for Conv (channels = M / group)
  bool x_signed = false, y_signed = false;
  int32_t x_zero_point = 0, y_zero_point = 0;  // in the tensors' own types
  int32_t qmin = 0, qmax = 255;                // in y's type, fused activation included
  std::vector<int8_t> weights;                 // [groups * channels, k] row-major
  std::vector<int32_t> bias;                   // [groups * channels] (0 without bias)
  std::vector<quant::FixedPointMultiplier> multiplier;  // [groups * channels]
  std::vector<int32_t> weight_sums;            // [groups * channels]: sum_k weights[c, k]
  mutable std::shared_ptr<QPackedWeights> packed;

  // bias[c] - x_zp * weight_sums[c] in the uint8 domain (x_zp + 128 for int8 X).
  int32_t bias_minus_zp_sums(int64_t c) const {
    return bias[c] - unsigned_x_zero_point() * weight_sums[c];
  }
  int32_t unsigned_x_zero_point() const { return x_zero_point + (x_signed ? 128 : 0); }
  int32_t unsigned_y_zero_point() const { return y_zero_point + (y_signed ? 128 : 0); }
  int32_t unsigned_qmin() const { return qmin + (y_signed ? 128 : 0); }
  int32_t unsigned_qmax() const { return qmax + (y_signed ? 128 : 0); }
};

// QLinearConv's params: the Conv geometry always; `fixed_point` selects the form above
// (otherwise the ONNX float-rounding semantics, the conformance reference).
struct QConvParams {
  ConvParams conv;
  bool fixed_point = false;
  QGemm q;
};

// QLinearMatMul's params (B must be a 2-D constant for the fixed-point form).
struct QMatMulParams {
  MatMulParams mm;
  bool fixed_point = false;
  QGemm q;
};

// The oracle: Y[c * y_cs + p * y_ps] for channels [c0, c0 + q.channels) of q's weights, from
// X[k * x_ks + p * x_ps], `positions` positions. Plain loops over quant::requantize.
template <class TX, class TY>
void qgemm_ref(const QGemm& q, int64_t c0, int64_t positions, const TX* x, int64_t x_ks, int64_t x_ps, TY* y,
               int64_t y_cs, int64_t y_ps) {
  for (int64_t c = c0; c < c0 + q.channels; ++c) {
    const int8_t* w = q.weights.data() + c * q.k;
    for (int64_t p = 0; p < positions; ++p) {
      int32_t acc = q.bias[c];
      for (int64_t i = 0; i < q.k; ++i)
        acc += int32_t{w[i]} * (static_cast<int32_t>(x[i * x_ks + p * x_ps]) - q.x_zero_point);
      y[(c - c0) * y_cs + p * y_ps] =
          static_cast<TY>(quant::requantize(acc, q.multiplier[c], q.y_zero_point, q.qmin, q.qmax));
    }
  }
}

// Reference fixed-point QLinearConv (any group, any geometry): im2col of one image and
// group (padding = x_zp) into `col` (k x positions elements of TX), then qgemm_ref.
template <class TX, class TY>
void qconv_fixed_point_ref(const QConvParams& p, const TX* x, TY* y, TX* col) {
  const ConvParams& cp = p.conv;
  const int64_t cg = cp.in_channels / cp.group, mg = cp.out_channels / cp.group, positions = cp.geo.out_size();
  for (int64_t n = 0; n < cp.batch; ++n)
    for (int64_t g = 0; g < cp.group; ++g) {
      im2col(x + (n * cp.in_channels + g * cg) * cp.geo.in_size(), cg, cp.geo, col,
             static_cast<TX>(p.q.x_zero_point), [](TX v) { return v; });
      qgemm_ref(p.q, g * mg, positions, col, positions, 1, y + (n * cp.out_channels + g * mg) * positions, positions, 1);
    }
}

}  // namespace wisp::ref
