// Depthwise int8 convolution (NCHW, 2-D): the contract between the integer Conv op and the
// depthwise kernels (reference here; AVX2, AVX-512 and NEON in src/kernels/x86|arm).
//
// Each output channel m reads input channel m / multiplier through its own kh x kw filter:
//   acc = bias[m] + sum_{kh,kw} w[m, kh, kw] * (x[c, ih, iw] - x_zero_point)
//   y   = quant::requantize(acc, fm[m], y_zero_point, qmin, qmax)
// with padding positions contributing 0 (they hold x_zero_point). Activations are uint8
// (asymmetric, the default) or int8 (symmetric), and so is Y (independently); weights are
// int8, symmetric per output channel (zero point 0); bias is int32 at scale
// x_scale * w_scale[m]. A fused Relu/Clip is folded into [qmin, qmax] by the caller.
// Every variant is bit-exact with depthwise_conv_q8_ref (requant.hpp is the one rounding),
// so results never depend on the ISA nor on the thread count (planes are split statically).
//
// Preconditions (the caller checks them at prepare): |acc| < 2^31 for every output, qmin <=
// qmax within the type's range, y_zero_point in the type's range.
#pragma once
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "quant/requant.hpp"

namespace wisp {
class ThreadPool;
}

namespace wisp::ref {

struct ConvParams;
struct QConvParams;

struct DepthwiseQ8Params {
  int64_t batch = 1, channels = 1;  // input channels
  int64_t multiplier = 1;           // output channels = channels * multiplier
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int64_t kernel_h = 3, kernel_w = 3;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // the end pads follow from the output size
  bool x_signed = false;              // int8 X (else uint8)
  bool y_signed = false;              // int8 Y (else uint8)
  int32_t x_zero_point = 0, y_zero_point = 0;
  int32_t qmin = 0, qmax = 255;  // output clamp in Y's type, fused activation included
};

struct DepthwiseQ8Args {
  const DepthwiseQ8Params* p = nullptr;
  const void* x = nullptr;                          // [batch, channels, in_h, in_w], uint8 or int8
  const int8_t* w = nullptr;                        // [channels * multiplier, kernel_h * kernel_w]
  const int32_t* bias = nullptr;                    // [channels * multiplier] or null
  const quant::FixedPointMultiplier* fm = nullptr;  // [channels * multiplier]
  void* y = nullptr;  // [batch, channels * multiplier, out_h, out_w], uint8 or int8
  ThreadPool* pool = nullptr;                       // null: serial
};

using DepthwiseQ8Fn = void (*)(const DepthwiseQ8Args&);

// Plain loops; the oracle of the tests and the fallback for shapes the SIMD variants do
// not take (their driver calls it itself, so any variant accepts any params).
void depthwise_conv_q8_ref(const DepthwiseQ8Args& a);

// The variant registered for exactly `isa` (Avx2, Avx512, Neon), or null when this build
// has none. Variants register from their own files (compiled only for their architecture).
DepthwiseQ8Fn depthwise_conv_q8_variant(Isa isa);
// The best variant at or below `max_isa` (kRef always qualifies): what the op calls,
// chosen once at prepare with the session's ISA.
DepthwiseQ8Fn depthwise_conv_q8_for(Isa max_isa);
void register_depthwise_conv_q8(Isa isa, DepthwiseQ8Fn fn);

// K::run<TX, TY>(a) for the signedness of X and Y.
template <class K>
void depthwise_conv_q8_dispatch(const DepthwiseQ8Args& a) {
  if (a.p->x_signed) {
    if (a.p->y_signed) K::template run<int8_t, int8_t>(a);
    else K::template run<int8_t, uint8_t>(a);
  } else {
    if (a.p->y_signed) K::template run<uint8_t, int8_t>(a);
    else K::template run<uint8_t, uint8_t>(a);
  }
}

// True when `p` (a Conv's params) is a 2-D depthwise conv these kernels run:
// group == in_channels, out_channels a multiple of it. Fills `out` except the zero points,
// signedness and clamp, which come from the op's quantization inputs (ref::QGemm).
bool depthwise_q8_params_from_conv(const ConvParams& p, DepthwiseQ8Params* out);

// The integer Conv's hook: when `args` is a fixed-point QLinearConv (ref::QConvParams with
// fixed_point, kernels/ref/qgemm.hpp) that is depthwise and 2-D (or 1-D), runs it on the
// best depthwise variant at or below `max_isa` and returns true; otherwise returns false
// and touches nothing. No allocation: the params live on the stack, the weights, bias and
// multipliers are the QGemm's (its weights rows are exactly [out_channels, kh * kw]).
bool run_qlinear_conv_depthwise_q8(const KernelArgs& args, Isa max_isa);

}  // namespace wisp::ref
