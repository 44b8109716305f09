// See qgemm_infer.hpp. The multipliers are formed in double from the float scales
// (x_scale * w_scale[c] / y_scale), once; kernels only see integers.
#include "ir/ops/qgemm_infer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "ir/ops/infer_util.hpp"
#include "kernels/kernel_registry.hpp"

namespace wisp {

void fill_fixed_point(InferContext& ctx, const QGemmInputs& in, int64_t channels, int64_t k, bool w_rows_are_k,
                      ref::QGemm& q) {
  const char* form = "the fixed-point form (wisp_fixed_point=1)";
  if (ctx.input_dtype(in.w) != DType::kI8)
    ctx.fail_unsupported(str_cat(form, " needs int8 weights, got ", dtype_name(ctx.input_dtype(in.w))));
  // 255 * 128 * K must fit int32 for the accumulation to be exact.
  if (k > 65792) ctx.fail_unsupported(str_cat(form, ": K = ", k, " could overflow the int32 accumulator (max 65792)"));
  const TensorView& x_scale = ctx.require_input_value(in.x_scale, "x_scale");
  const TensorView& x_zp = ctx.require_input_value(in.x_zp, "x_zero_point");
  const TensorView& w = ctx.require_input_value(in.w, "the weights");
  const TensorView& w_scale = ctx.require_input_value(in.w_scale, "w_scale");
  const TensorView& w_zp = ctx.require_input_value(in.w_zp, "w_zero_point");
  const TensorView& y_scale = ctx.require_input_value(in.y_scale, "y_scale");
  const TensorView& y_zp = ctx.require_input_value(in.y_zp, "y_zero_point");
  const TensorView* bias = in.bias >= 0 && ctx.has_input(in.bias) ? &ctx.require_input_value(in.bias, "the bias") : nullptr;
  for (int64_t i = 0; i < w_zp.numel(); ++i)
    if (element_as_int(w_zp, i) != 0)
      ctx.fail_unsupported(str_cat(form, " needs symmetric weights (w_zero_point 0), got ", element_as_int(w_zp, i),
                                   " at channel ", i));
  if (w_scale.numel() != 1 && w_scale.numel() != channels)
    ctx.fail_invalid(str_cat("w_scale must have 1 or ", channels, " values, got ", w_scale.numel()));
  q.x_signed = ctx.input_dtype(in.x) == DType::kI8;
  q.y_signed = ctx.input_dtype(in.y_zp) == DType::kI8;
  q.x_zero_point = static_cast<int32_t>(element_as_int(x_zp, 0));
  q.y_zero_point = static_cast<int32_t>(element_as_int(y_zp, 0));
  q.qmin = q.y_signed ? -128 : 0;
  q.qmax = q.y_signed ? 127 : 255;
  q.qmin = static_cast<int32_t>(std::max<int64_t>(q.qmin, ctx.attrs().get_int(kQMinAttr, q.qmin)));
  q.qmax = static_cast<int32_t>(std::min<int64_t>(q.qmax, ctx.attrs().get_int(kQMaxAttr, q.qmax)));
  if (q.qmin > q.qmax) ctx.fail_invalid(str_cat("wisp_qmin ", q.qmin, " > wisp_qmax ", q.qmax));
  q.k = k;
  const int8_t* wd = w.as<const int8_t>();
  q.weights.resize(static_cast<size_t>(channels * k));
  q.bias.assign(static_cast<size_t>(channels), 0);
  q.multiplier.resize(static_cast<size_t>(channels));
  q.weight_sums.assign(static_cast<size_t>(channels), 0);
  const double xs = element_as_double(x_scale, 0), ys = element_as_double(y_scale, 0);
  if (!(ys > 0) || !std::isfinite(ys) || !(xs > 0) || !std::isfinite(xs))
    ctx.fail_invalid(str_cat(form, " needs positive finite scales, got x_scale ", xs, ", y_scale ", ys));
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t i = 0; i < k; ++i) {
      const int8_t v = w_rows_are_k ? wd[i * channels + c] : wd[c * k + i];
      q.weights[c * k + i] = v;
      q.weight_sums[c] += v;
    }
    if (bias) q.bias[c] = static_cast<int32_t>(element_as_int(*bias, c));
    // Every int32 the kernels form (the sum, bias - x_zp * weight_sums) stays in range when
    // |bias| + 255 * 128 * K < 2^31.
    if (std::abs(int64_t{q.bias[c]}) + int64_t{32640} * k >= (int64_t{1} << 31))
      ctx.fail_unsupported(str_cat(form, ": bias ", q.bias[c], " at channel ", c, " with K = ", k,
                                   " could overflow the int32 accumulator"));
    const double ws = element_as_double(w_scale, w_scale.numel() == 1 ? 0 : c);
    const double ratio = xs * ws / ys;
    if (!(ratio >= 0) || ratio >= 1 << 30)
      ctx.fail_invalid(str_cat(form, ": x_scale * w_scale / y_scale = ", ratio, " at channel ", c, " is out of range"));
    q.multiplier[c] = quant::quantize_multiplier(ratio);
  }
}

int64_t qgemm_x86_scratch_bytes(const InferContext& ctx, int64_t k) {
  const auto isa = static_cast<Isa>(ctx.kernel_isa());
  if (isa != Isa::kAvx2 && isa != Isa::kAvx512) return 0;
  const int64_t slots = std::min<int64_t>(ctx.threads(), ref::kQGemmSlots);
  return checked_add(checked_mul(slots, ref::qgemm_slot_bytes(k)), 64);
}

}  // namespace wisp
