// Attribute parsing and shape checks shared by the Conv family (Conv, ConvInteger,
// QLinearConv, ConvTranspose) and the pools.
#pragma once
#include <vector>

#include "ir/op_registry.hpp"
#include "kernels/ref/conv.hpp"

namespace wisp {

// kernel_shape/strides/dilations/pads/auto_pad/ceil_mode; `kernel` is used when the
// node has no kernel_shape attribute (Conv takes it from the weights).
ref::WindowAttrs read_window_attrs(const InferContext& ctx, const std::vector<int64_t>& kernel);

// The spatial dims of input i (which must have rank >= 3).
std::vector<int64_t> spatial_dims(const InferContext& ctx, int i);

// Validates X (input x) and W (input w) of a Conv-like node and fills the params:
// geometry, channels, group. Also checks an optional bias at input `bias` (-1: none).
ref::ConvParams infer_conv_params(InferContext& ctx, int x, int w, int bias);

}  // namespace wisp
