// Empirical bias correction (Nagel et al. 2019, section 4.2), per layer: quantizing W to Wq
// shifts the layer's expected output by (W - Wq) E[x]. With E[x] measured per input channel
// on the calibration data (calibrate() records it), the shift is folded into the bias:
//     b' = b + (W - Wq) E[x]
// so the quantized layer's mean output matches the float layer's. It matters most for
// depthwise convs (few weights per output, so rounding errors do not average out). Conv
// (any group) and Gemm are corrected; a node without a bias gets one. Padding makes E[x]
// at borders smaller than the channel mean; that approximation is accepted.
#pragma once
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace wisp::quant {

// `dequantized` is Wq as float; returns whether the bias changed.
bool correct_bias(Graph& g, Node& node, const Tensor& dequantized, const std::vector<double>& input_channel_mean);

}  // namespace wisp::quant
