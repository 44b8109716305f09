// Params of the normalisation ops. All of them compute statistics in double (the inputs
// are small: a reference kernel favours accuracy) and write in the input's type.
#pragma once
#include <cstdint>

#include "core/shape.hpp"

namespace wisp::ref {

// BatchNormalization (inference): y = (x - mean) / sqrt(var + eps) * scale + B, with the
// statistics per channel, or per activation ([C, D1...]) for opset < 9 with spatial=0.
struct BatchNormParams {
  int64_t batch = 1, stat_count = 1, inner = 1;  // x is [batch, stat_count, inner]
  float epsilon = 1e-5f;
};

// InstanceNormalization and GroupNormalization: x viewed as [N, groups, group_size];
// scale/B are per channel (channels_per_group channels of inner elements per group).
struct GroupNormParams {
  int64_t batch = 1, groups = 1, channels_per_group = 1, inner = 1;
  bool affine_per_group = false;  // GroupNormalization-18 scale/bias: one value per group
  float epsilon = 1e-5f;
};

// LayerNormalization: x viewed as [outer, block]; scale/B repeat with period
// scale_numel / bias_numel inside the block (they broadcast to its trailing dims).
struct LayerNormParams {
  int64_t outer = 1, block = 1, scale_numel = 1, bias_numel = 0;
  float epsilon = 1e-5f;
};

// LRN across channels of [N, C, inner].
struct LrnParams {
  int64_t batch = 1, channels = 1, inner = 1, size = 1;
  float alpha = 1e-4f, beta = 0.75f, bias = 1.0f;
};

// MeanVarianceNormalization over a set of axes (any, not only trailing).
struct MvnParams {
  Shape shape;
  bool reduced[kMaxRank] = {};
  int64_t groups = 1;  // number of distinct statistics (product of kept dims)
};

}  // namespace wisp::ref
