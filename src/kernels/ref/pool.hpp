// Params of the pooling ops. MaxPool, AveragePool and LpPool share the window geometry of
// Conv (conv_geometry.hpp); the Global* pools reduce each [N, C] plane to one value.
#pragma once
#include <cstdint>

#include "kernels/ref/conv_geometry.hpp"

namespace wisp::ref {

enum class PoolKind : uint8_t { kMax, kAverage, kLp };

struct PoolParams {
  WindowGeometry geo;
  int64_t planes = 1;  // N * C
  PoolKind kind = PoolKind::kMax;
  bool count_include_pad = false;  // AveragePool
  int64_t p = 2;                   // LpPool
  bool column_major_indices = false;  // MaxPool storage_order=1
};

struct GlobalPoolParams {
  int64_t planes = 1, plane_size = 1;
  PoolKind kind = PoolKind::kMax;
  int64_t p = 2;
};

struct MaxUnpoolParams {
  int64_t out_numel = 0;
};

}  // namespace wisp::ref
