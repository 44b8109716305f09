// Reference ConvInteger and QLinearConv: im2col of (x - x_zp) in int32, weights minus
// their zero points in int32, the shared gemm loop, then (QLinearConv) bias and requantize
// with the ONNX float rounding. QLinearConv with wisp_fixed_point=1 instead runs the
// fixed-point reference of kernels/ref/qgemm.hpp.
#include <cstring>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/gemm.hpp"
#include "kernels/ref/qgemm.hpp"
#include "kernels/ref/quantize.hpp"

namespace wisp::ref {
namespace {

struct QuantConvInputs {
  int x = 0, x_zp = -1, w = 1, w_zp = -1;
};

// Runs the int32 convolution; calls emit(n, group, int32 sums [Mg, P]) per image and group.
template <class TX, class TW, class Emit>
void conv_int32(const KernelArgs& a, const ConvParams& p, QuantConvInputs in, int32_t* acc_or_null, Emit&& emit) {
  const WindowGeometry& g = p.geo;
  const TX* x = a.in[in.x]->as<const TX>();
  const TW* w = a.in[in.w]->as<const TW>();
  const int32_t x_zp = in.x_zp >= 0 && a.has_in(in.x_zp) ? static_cast<int32_t>(a.in[in.x_zp]->as<const TX>()[0]) : 0;
  const TW* w_zp = in.w_zp >= 0 && a.has_in(in.w_zp) ? a.in[in.w_zp]->as<const TW>() : nullptr;
  const bool w_zp_pc = w_zp && a.in[in.w_zp]->numel() > 1;
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  const int64_t k = ws_per_out(p), positions = g.out_size();
  int32_t* col = static_cast<int32_t*>(a.scratch);
  int32_t* w32 = col + conv_col_elems(p);
  for (int64_t m = 0; m < p.out_channels; ++m) {
    const int32_t z = static_cast<int32_t>(quant_param(w_zp, w_zp_pc, m));
    for (int64_t i = 0; i < k; ++i) w32[m * k + i] = static_cast<int32_t>(w[m * k + i]) - z;
  }
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t grp = 0; grp < p.group; ++grp) {
      const TX* xg = x + (n * p.in_channels + grp * cg) * g.in_size();
      im2col(xg, cg, g, col, int32_t{0}, [x_zp](TX v) { return static_cast<int32_t>(v) - x_zp; });
      int32_t* out = acc_or_null ? acc_or_null
                                 : a.out[0]->as<int32_t>() + (n * p.out_channels + grp * mg) * positions;
      std::memset(out, 0, static_cast<size_t>(mg * positions) * sizeof(int32_t));
      gemm_accumulate<int32_t>(mg, positions, k, w32 + grp * mg * k, MatrixRef{k, 1}, col, MatrixRef{positions, 1},
                               out, positions);
      emit(n, grp, out);
    }
}

template <class TX, class TW>
void conv_integer_typed(const KernelArgs& a) {
  conv_int32<TX, TW>(a, a.p<ConvParams>(), QuantConvInputs{0, 2, 1, 3}, nullptr, [](int64_t, int64_t, const int32_t*) {});
}

template <class TX, class TW, class TY>
void qlinear_conv_typed(const KernelArgs& a) {
  const ConvParams& p = a.p<QConvParams>().conv;
  const float x_scale = a.in[1]->as<const float>()[0];
  const float* w_scale = a.in[4]->as<const float>();
  const bool w_scale_pc = a.in[4]->numel() > 1;
  const float y_scale = a.in[6]->as<const float>()[0];
  const int32_t y_zp = static_cast<int32_t>(a.in[7]->as<const TY>()[0]);
  const int32_t* bias = a.has_in(8) ? a.in[8]->as<const int32_t>() : nullptr;
  const int64_t mg = p.out_channels / p.group, positions = p.geo.out_size();
  int32_t* acc = static_cast<int32_t*>(a.scratch) + conv_col_elems(p) + p.out_channels * ws_per_out(p);
  TY* y = a.out[0]->as<TY>();
  conv_int32<TX, TW>(a, p, QuantConvInputs{0, 2, 3, 5}, acc, [&](int64_t n, int64_t grp, const int32_t* sums) {
    for (int64_t mi = 0; mi < mg; ++mi) {
      const int64_t m = grp * mg + mi;
      // Multiplier formed in float, applied in double (as the ONNX reference).
      const float scale = x_scale * quant_param(w_scale, w_scale_pc, m) / y_scale;
      const int32_t b = bias ? bias[m] : 0;
      TY* ym = y + (n * p.out_channels + m) * positions;
      for (int64_t i = 0; i < positions; ++i) {
        const double v = static_cast<double>(sums[mi * positions + i] + b) * static_cast<double>(scale);
        ym[i] = saturate_round<TY>(std::nearbyint(v) + y_zp);
      }
    }
  });
}

template <template <class, class> class K>
void dispatch_xw(DType tx, DType tw, const KernelArgs& a) {
  if (tx == DType::kU8 && tw == DType::kU8) return K<uint8_t, uint8_t>::run(a);
  if (tx == DType::kU8 && tw == DType::kI8) return K<uint8_t, int8_t>::run(a);
  if (tx == DType::kI8 && tw == DType::kU8) return K<int8_t, uint8_t>::run(a);
  return K<int8_t, int8_t>::run(a);
}

template <class TX, class TW> struct ConvIntegerK { static void run(const KernelArgs& a) { conv_integer_typed<TX, TW>(a); } };
template <class TX, class TW> struct QLinearConvU8K { static void run(const KernelArgs& a) { qlinear_conv_typed<TX, TW, uint8_t>(a); } };
template <class TX, class TW> struct QLinearConvI8K { static void run(const KernelArgs& a) { qlinear_conv_typed<TX, TW, int8_t>(a); } };

void conv_integer_kernel(const KernelArgs& a) { dispatch_xw<ConvIntegerK>(a.in[0]->dtype, a.in[1]->dtype, a); }
// The fixed-point form (wisp_fixed_point=1): kernels/ref/qgemm.hpp.
template <class TX, class TY>
void qconv_fixed_point_typed(const KernelArgs& a) {
  qconv_fixed_point_ref(a.p<QConvParams>(), a.in[0]->as<const TX>(), a.out[0]->as<TY>(), static_cast<TX*>(a.scratch));
}

void qlinear_conv_kernel(const KernelArgs& a) {
  if (a.p<QConvParams>().fixed_point) {
    const bool xs = a.in[0]->dtype == DType::kI8, ys = a.out[0]->dtype == DType::kI8;
    if (!xs && !ys) return qconv_fixed_point_typed<uint8_t, uint8_t>(a);
    if (!xs && ys) return qconv_fixed_point_typed<uint8_t, int8_t>(a);
    if (xs && !ys) return qconv_fixed_point_typed<int8_t, uint8_t>(a);
    return qconv_fixed_point_typed<int8_t, int8_t>(a);
  }
  if (a.out[0]->dtype == DType::kU8) dispatch_xw<QLinearConvU8K>(a.in[0]->dtype, a.in[3]->dtype, a);
  else dispatch_xw<QLinearConvI8K>(a.in[0]->dtype, a.in[3]->dtype, a);
}

}  // namespace

WISP_REGISTER_KERNEL("ConvInteger", DType::kUndefined, Isa::kRef, conv_integer_kernel);
WISP_REGISTER_KERNEL("QLinearConv", DType::kUndefined, Isa::kRef, qlinear_conv_kernel);

}  // namespace wisp::ref
