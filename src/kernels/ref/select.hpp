#pragma once
#include <cstdint>

namespace wisp::ref {

// Compress: axis (-1 after resolution means "flattened input"); `dynamic` when the
// condition is only known while running.
struct CompressParams {
  int axis = -1;
  bool dynamic = false;
};

struct ReverseSequenceParams {
  int batch_axis = 1;
  int time_axis = 0;
};

// Unique: axis (-1: flattened), sorted output or first-occurrence order. Scratch holds
// five int64 arrays of the slice count.
struct UniqueParams {
  int axis = -1;
  bool sorted = true;
};

}  // namespace wisp::ref
