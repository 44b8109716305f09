// A constant operand (usually weights) rearranged once into the layout a fast kernel
// reads, kept in the op's params so later runs reuse it. The kernel fills it on first use
// and checks `source` and `isa` so a stale cache is rebuilt rather than misread.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/kernel_registry.hpp"

namespace wisp {

struct PackedWeights {
  const void* source = nullptr;  // the constant's data pointer when packed
  Isa isa = Isa::kRef;
  std::vector<float> storage;    // over-allocated so that `data` is 64-byte aligned
  float* data = nullptr;
};

}  // namespace wisp
