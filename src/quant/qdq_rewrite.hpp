// Graph surgery producing ONNX QDQ form (Contract 1 in docs/quantization.md). New names
// are exactly these unless the model already uses one (then Graph::unique_name adds _N):
//  - weight W -> int8 `W_quantized` + DequantizeLinear(W_quantized, W_scale, W_zero_point,
//    axis) whose output is the value named W (no longer a constant);
//  - activation X produced by P -> P writes `X_float`, QuantizeLinear -> `X_quantized`,
//    DequantizeLinear -> X; a graph input X keeps its name and its readers read
//    `X_dequantized` instead.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.hpp"

namespace wisp::quant {

// Symmetric per-channel int8 weights: scale_c = max|W_c| / 127, q = round_half_even(W /
// scale_c) in [-127, 127] (an all-zero channel gets scale 1).
struct PerChannelWeights {
  Tensor q;                   // int8, W's shape
  std::vector<float> scales;  // one per index of `axis`
  int axis = 0;
};
PerChannelWeights quantize_weights_per_channel(const Tensor& w, int axis);
// q * scale, float32 (what DequantizeLinear gives back).
Tensor dequantize_weights(const PerChannelWeights& w);

struct ActivationParams {
  float scale = 1.0f;
  int zero_point = 0;
  bool is_signed = false;  // int8 (symmetric) vs uint8
};
// Clip range -> params: uint8 asymmetric (scale = (max-min)/255, zp = round(-min/scale)) or
// int8 symmetric (scale = max|.|/127, zp 0). The range always contains 0.
ActivationParams activation_params(double clip_min, double clip_max, bool symmetric);

// Replaces constant weight `w` with DQ(int8) as described above; returns the scales.
void insert_weight_dq(Graph& g, Value* w, const PerChannelWeights& q);
// Replaces constant float bias `b` with DQ(int32) at scale x_scale * w_scales[c].
void insert_bias_dq(Graph& g, Value* b, float x_scale, const std::vector<float>& w_scales);
// Inserts Q -> DQ for activation `x` (see above).
void insert_activation_qdq(Graph& g, Value* x, const ActivationParams& p);

}  // namespace wisp::quant
