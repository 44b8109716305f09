// Activation functions: one-input ones share a kernel driven by ActivationParams; PRelu
// (broadcast slope) and Clip (optional min/max inputs) have their own entry points.
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class ActFn : uint8_t {
  kRelu, kLeakyRelu, kElu, kSelu, kCelu, kSigmoid, kHardSigmoid, kHardSwish, kTanh,
  kSoftplus, kSoftsign, kThresholdedRelu, kShrink, kGelu, kGeluTanh, kMish,
};

struct ActivationParams {
  ActFn fn = ActFn::kRelu;
  float alpha = 0;  // LeakyRelu/Elu/Selu/Celu/HardSigmoid/HardSwish/ThresholdedRelu
  float beta = 0;   // HardSigmoid/HardSwish offset; Shrink bias
  float gamma = 0;  // Selu scale; Shrink lambd
};

// out may be the same memory as in.
void activation(const TensorView& in, TensorView& out, const ActivationParams& p);
// y = x < 0 ? slope * x : x, slope broadcast (NumPy rules) to x's shape.
void prelu(const TensorView& x, const TensorView& slope, TensorView& out);
// y = min(max(x, lo), hi); a missing bound (null) does not clip.
void clip(const TensorView& x, const TensorView* lo, const TensorView* hi, TensorView& out);

}  // namespace wisp::ref
