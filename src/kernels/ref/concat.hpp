#pragma once
#include <cstdint>
#include <vector>

namespace wisp::ref {

struct ConcatParams {
  int axis = 0;
};

// Split: `sizes` along `axis` (filled at prepare); `dynamic` when the split input is only
// known while running (the kernel then reads it and allocates the outputs).
struct SplitParams {
  int axis = 0;
  std::vector<int64_t> sizes;
  bool dynamic = false;
};

}  // namespace wisp::ref
