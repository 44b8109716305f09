// Reference QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear. Quantization
// divides in float and rounds half to even, exactly as the ONNX reference (numpy) does.
#include <algorithm>
#include <cmath>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/quantize.hpp"

namespace wisp::ref {
namespace {

template <class Fn>
void dispatch_quantized(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::kU8: return fn(uint8_t{});
    case DType::kI8: return fn(int8_t{});
    case DType::kU16: return fn(uint16_t{});
    case DType::kI16: return fn(int16_t{});
    case DType::kI32: return fn(int32_t{});
    default: fail(ErrorCode::kUnsupported, op, ": type ", dtype_name(t), " is not supported");
  }
}

template <class Fn>
void dispatch_real(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::kF32: return fn(float{});
    case DType::kF16: return fn(Float16{});
    case DType::kBF16: return fn(BFloat16{});
    case DType::kI32: return fn(int32_t{});
    default: fail(ErrorCode::kUnsupported, op, ": type ", dtype_name(t), " is not supported");
  }
}

// Calls fn(element index, channel) over x in order.
template <class Fn>
void for_each_channel(const QuantizeLinearParams& p, Fn&& fn) {
  int64_t e = 0;
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t c = 0; c < p.axis_dim; ++c)
      for (int64_t i = 0; i < p.inner; ++i) fn(e++, p.per_axis ? c : 0);
}

float scale_at(const TensorView& s, int64_t c) { return static_cast<float>(element_as_double(s, c)); }

void quantize_linear_kernel(const KernelArgs& a) {
  const QuantizeLinearParams& p = a.p<QuantizeLinearParams>();
  dispatch_real(a.in[0]->dtype, "QuantizeLinear", [&](auto xtag) {
    using X = decltype(xtag);
    dispatch_quantized(a.out[0]->dtype, "QuantizeLinear", [&](auto qtag) {
      using Q = decltype(qtag);
      const X* x = a.in[0]->as<const X>();
      const Q* zp = a.has_in(2) ? a.in[2]->as<const Q>() : nullptr;
      Q* y = a.out[0]->as<Q>();
      const float scale0 = scale_at(*a.in[1], 0);  // per tensor: read once, not per element
      for_each_channel(p, [&](int64_t e, int64_t c) {
        const float s = p.per_axis ? scale_at(*a.in[1], c) : scale0;
        const float q = std::nearbyint(static_cast<float>(x[e]) / s);
        y[e] = saturate_round<Q>(static_cast<double>(q) + static_cast<double>(quant_param(zp, true, c)));
      });
    });
  });
}

void dequantize_linear_kernel(const KernelArgs& a) {
  const QuantizeLinearParams& p = a.p<QuantizeLinearParams>();
  dispatch_quantized(a.in[0]->dtype, "DequantizeLinear", [&](auto qtag) {
    using Q = decltype(qtag);
    dispatch_real(a.out[0]->dtype, "DequantizeLinear", [&](auto ytag) {
      using Y = decltype(ytag);
      const Q* x = a.in[0]->as<const Q>();
      const Q* zp = a.has_in(2) ? a.in[2]->as<const Q>() : nullptr;
      Y* y = a.out[0]->as<Y>();
      const float scale0 = scale_at(*a.in[1], 0);
      for_each_channel(p, [&](int64_t e, int64_t c) {
        const int64_t centred = static_cast<int64_t>(x[e]) - static_cast<int64_t>(quant_param(zp, true, c));
        y[e] = static_cast<Y>(static_cast<float>(centred) * (p.per_axis ? scale_at(*a.in[1], c) : scale0));
      });
    });
  });
}

// uint8 with the range [min(0, min x), max(0, max x)] mapped onto [0, 255].
void dynamic_quantize_linear_kernel(const KernelArgs& a) {
  const float* x = a.in[0]->as<const float>();
  const int64_t n = a.in[0]->numel();
  float lo = 0, hi = 0;
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  const float scale = (hi - lo) / 255.0f;
  const uint8_t zp = scale == 0 ? 0 : saturate_round<uint8_t>((0.0f - lo) / scale);
  uint8_t* y = a.out[0]->as<uint8_t>();
  for (int64_t i = 0; i < n; ++i)
    y[i] = scale == 0 ? zp : saturate_round<uint8_t>(std::nearbyint(x[i] / scale) + static_cast<float>(zp));
  a.out[1]->as<float>()[0] = scale;
  a.out[2]->as<uint8_t>()[0] = zp;
}

}  // namespace

WISP_REGISTER_KERNEL("QuantizeLinear", DType::kUndefined, Isa::kRef, quantize_linear_kernel);
WISP_REGISTER_KERNEL("DequantizeLinear", DType::kUndefined, Isa::kRef, dequantize_linear_kernel);
WISP_REGISTER_KERNEL("DynamicQuantizeLinear", DType::kUndefined, Isa::kRef, dynamic_quantize_linear_kernel);

}  // namespace wisp::ref
