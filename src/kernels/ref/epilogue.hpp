// The fused epilogue of Conv and Gemm: an activation applied to each output element after
// the bias (src/passes/activation_fusion.cpp folds a following activation node into it).
// Formulas match the standalone activation kernels (src/kernels/ref/activation.cpp), so a
// fused graph computes what the unfused one did, element for element.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace wisp::ref {

enum class EpilogueAct : uint8_t { kNone, kRelu, kClip, kLeakyRelu, kSigmoid, kHardSigmoid, kHardSwish, kTanh };

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
