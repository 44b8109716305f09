#include "kernels/ref/data_movement.hpp"

#include "ir/graph.hpp"

namespace wisp::ref {

std::string kernel_label(const KernelArgs& a, const char* op_type) {
  return a.node ? a.node->label() : std::string(op_type);
}

void check_indices_in_range(const TensorView& indices, int64_t dim, const std::string& label, const char* what) {
  const int64_t n = indices.numel();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t idx = read_index(indices, i);
    if (idx < -dim || idx >= dim)
      fail(ErrorCode::kOutOfRange, label, ": ", what, " ", idx, " is out of range; allowed [", -dim, ", ", dim - 1, "]");
  }
}

}  // namespace wisp::ref
