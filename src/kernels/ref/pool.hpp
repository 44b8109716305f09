// Params of the pooling ops. MaxPool, AveragePool and LpPool share the window geometry of
// Conv (conv_geometry.hpp); the Global* pools reduce each [N, C] plane to one value.
#pragma once
#include <cstdint>

#include "kernels/ref/conv_geometry.hpp"

namespace wisp::ref {

enum class PoolKind : uint8_t { kMax, kAverage, kLp };

// The NCHW ops pool each of `planes` = N * C planes (channels = 1). The com.wisp Nhwc pools
// (ir/ops/pool_nhwc.cpp) keep the channels innermost: planes = N images of
// [spatial..., channels] each, every window reduced per channel.
struct PoolParams {
  WindowGeometry geo;
  int64_t planes = 1;    // N * C (NCHW ops) or N (Nhwc ops)
  int64_t channels = 1;  // Nhwc ops: C, the innermost dim; NCHW ops: 1
  PoolKind kind = PoolKind::kMax;
  bool count_include_pad = false;  // AveragePool
  int64_t p = 2;                   // LpPool
  bool column_major_indices = false;  // MaxPool storage_order=1
};

struct GlobalPoolParams {
  int64_t planes = 1, plane_size = 1;  // NCHW: N * C planes; NhwcGlobalAveragePool: N, H * W
  int64_t channels = 1;                // NhwcGlobalAveragePool: C, the innermost dim; NCHW: 1
  PoolKind kind = PoolKind::kMax;
  int64_t p = 2;
};

// MaxUnpool's indices address the default output (the size MaxPool's input had, from
// kernel/strides/pads); with an explicit output_shape they are re-encoded into it.
struct MaxUnpoolParams {
  int64_t out_numel = 0;  // -1: output_shape only known while running (dynamic output)
  int spatial = 0;
  int64_t default_dims[kMaxWindowDims] = {1, 1, 1};  // normalised to 3-D like WindowGeometry
};

}  // namespace wisp::ref
