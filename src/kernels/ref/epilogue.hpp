// The fused epilogue of Conv and Gemm: an activation applied to each output element after
// the bias (src/passes/fuse_activation.cpp folds a following activation node into it;
// for Conv, src/passes/fuse_residual_add.cpp may first fold a residual Add, which the kernel
// adds after the bias and before the activation).
// Formulas match the standalone activation kernels (src/kernels/ref/activation.cpp), so a
// fused graph computes what the unfused one did, element for element.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace wisp::ref {

// kSilu is x * sigmoid(x) (Mul(x, Sigmoid(x)) in ONNX); kGelu / kGeluTanh are ONNX Gelu with
// approximate "none" / "tanh".
enum class EpilogueAct : uint8_t {
  kNone, kRelu, kClip, kLeakyRelu, kSigmoid, kHardSigmoid, kHardSwish, kTanh, kSilu, kGelu, kGeluTanh
};

struct Epilogue {
  EpilogueAct act = EpilogueAct::kNone;
  float alpha = 0;  // Clip: min; LeakyRelu: slope; HardSigmoid/HardSwish: alpha
  float beta = 0;   // Clip: max; HardSigmoid/HardSwish: beta
};

template <class C>
inline C apply_epilogue(C x, const Epilogue& e) {
  const C alpha = static_cast<C>(e.alpha), beta = static_cast<C>(e.beta);
  switch (e.act) {
    case EpilogueAct::kNone: return x;
    case EpilogueAct::kRelu: return x > C(0) ? x : C(0);
    case EpilogueAct::kClip: return std::min(std::max(x, alpha), beta);
    case EpilogueAct::kLeakyRelu: return x < C(0) ? alpha * x : x;
    case EpilogueAct::kSigmoid: {
      if (x >= C(0)) return C(1) / (C(1) + std::exp(-x));
      const C ex = std::exp(x);
      return ex / (C(1) + ex);
    }
    case EpilogueAct::kHardSigmoid: return std::max(C(0), std::min(C(1), alpha * x + beta));
    case EpilogueAct::kHardSwish: return x * std::max(C(0), std::min(C(1), alpha * x + beta));
    case EpilogueAct::kTanh: return std::tanh(x);
    case EpilogueAct::kSilu: {  // x * sigmoid(x), sigmoid as the Sigmoid kernel computes it
      if (x >= C(0)) return x * (C(1) / (C(1) + std::exp(-x)));
      const C ex = std::exp(x);
      return x * (ex / (C(1) + ex));
    }
    case EpilogueAct::kGelu: return C(0.5) * x * (C(1) + std::erf(x / std::numbers::sqrt2_v<C>));
    case EpilogueAct::kGeluTanh: {
      const C k = std::sqrt(C(2) / std::numbers::pi_v<C>);
      return C(0.5) * x * (C(1) + std::tanh(k * (x + C(0.044715) * x * x * x)));
    }
  }
  return x;
}

// Applies the epilogue to n contiguous elements in place.
template <class C>
inline void apply_epilogue(C* x, int64_t n, const Epilogue& e) {
  if (e.act == EpilogueAct::kNone) return;
  if (e.act == EpilogueAct::kRelu) {  // the common case, kept branch-free for the vectoriser
    for (int64_t i = 0; i < n; ++i) x[i] = x[i] > C(0) ? x[i] : C(0);
    return;
  }
  for (int64_t i = 0; i < n; ++i) x[i] = apply_epilogue(x[i], e);
}

}  // namespace wisp::ref
