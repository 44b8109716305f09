#pragma once
#include <cstdint>

#include "core/dtype.hpp"

namespace wisp::ref {

// Generalised cosine windows: w[n] = a0 - a1 cos(2πn/N) + a2 cos(4πn/N), with N = size
// (periodic) or size - 1 (symmetric), as ONNX's HannWindow/HammingWindow/BlackmanWindow.
struct WindowParams {
  double a0 = 0, a1 = 0, a2 = 0;
  bool periodic = true;
  DType out = DType::kF32;
};

}  // namespace wisp::ref
