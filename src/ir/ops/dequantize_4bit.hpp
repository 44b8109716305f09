// DequantizeLinear with a 4-bit input (opset 21): per tensor, per axis or blocked
// (block_size). quantize_linear.cpp's infer hands 4-bit inputs over to this.
#pragma once
#include "ir/op_registry.hpp"

namespace wisp {

void infer_dequantize_linear_4bit(InferContext& ctx);

}  // namespace wisp
