// Weight-only INT4, group-wise: the float32 weight B of MatMul (B [K, N]) and Gemm
// (B [K, N], or [N, K] with transB) is split along K into groups of `group_size`; each
// group gets one float32 scale = max|w| / 7 and its weights become
// clamp(round_half_even(w / scale), -8, 7), stored as int4 two per byte. The graph form is
// standard ONNX opset 21:
//   W_int4 (INT4 initializer) -> DequantizeLinear(W_int4, W_scale, axis, block_size) -> W
// so every reader of W is untouched and the model exports to ONNX (opset 21) and runs in
// ONNX Runtime. Activations stay float. In Wisp the optimizer fuses the DequantizeLinear
// into the MatMul (MatMulInt4), which unpacks the int4 weights block by block inside its
// GEMM; unfused, the DequantizeLinear of the constant folds at prepare.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "ir/graph.hpp"

namespace wisp::quant {

struct Int4Options {
  int group_size = 32;                 // 32, 64 or 128 (any value >= 2 works)
  int64_t min_weight_elements = 1024;  // smaller weights stay float32
};

struct Int4Report {
  int64_t converted = 0;        // weights now stored as int4
  int64_t bytes_before = 0;     // their float32 bytes
  int64_t bytes_after = 0;      // int4 bytes + scale bytes
  double max_abs_error = 0;     // largest |w - dequantized w|
  std::string summary() const;
};

std::shared_ptr<Model> quantize_weights_int4(const Model& model, const Int4Options& options = {},
                                             Int4Report* report = nullptr);
inline std::shared_ptr<Model> quantize_weights_int4(const Model& model, int group_size) {
  Int4Options o;
  o.group_size = group_size;
  return quantize_weights_int4(model, o);
}

}  // namespace wisp::quant
