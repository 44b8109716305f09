// Einsum params. The equation is parsed once at infer into labels: every letter, and
// every dim covered by "..." (right-aligned across inputs, broadcast where 1), is a
// label with one size. Each input addresses a label with a stride (0 where the label is
// absent or broadcast; repeated letters in one term add their strides, which walks the
// diagonal). The kernel loops over output labels, and inside over the summed labels.
#pragma once
#include <cstdint>

namespace wisp::ref {

inline constexpr int kEinsumMaxInputs = 8;
inline constexpr int kEinsumMaxLabels = 64;  // 52 letters + ellipsis dims

struct EinsumParams {
  int num_inputs = 0;
  int num_labels = 0;    // labels [0, num_out) are the output's, in output order; the rest are summed
  int num_out = 0;
  int64_t size[kEinsumMaxLabels] = {};
  int64_t stride[kEinsumMaxInputs][kEinsumMaxLabels] = {};
};

}  // namespace wisp::ref
