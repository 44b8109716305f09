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

// The same for any layout of X: the caller says which of X's dims are spatial and how many
// channels X has (NCHW: dims 2.., dim 1; the com.wisp Nhwc convs: dims 1..2, dim 3).
// W is always [M, C/group, k...].
ref::ConvParams infer_conv_params(InferContext& ctx, int x, int w, int bias, const std::vector<int64_t>& in_spatial,
                                  int64_t in_channels);

}  // namespace wisp
