// Softmax, LogSoftmax and Hardmax along one axis (the opset-13 form; older 2-D coercion
// is rewritten by the ONNX converter). The input is viewed as [outer, axis_dim, inner].
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class SoftmaxKind : uint8_t { kSoftmax, kLogSoftmax, kHardmax };

struct SoftmaxParams {
  SoftmaxKind kind = SoftmaxKind::kSoftmax;
  int64_t outer = 1, axis_dim = 1, inner = 1;
};

void softmax(const TensorView& in, TensorView& out, const SoftmaxParams& p);

}  // namespace wisp::ref
