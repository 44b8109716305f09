#include "kernels/ref/copy.hpp"

#include <cstring>

#include "core/status.hpp"

namespace wisp::ref {

void copy_bytes(const TensorView& src, TensorView& dst) {
  WISP_ASSERT(src.bytes() == dst.bytes());
  if (src.data != dst.data && src.bytes() > 0) std::memmove(dst.data, src.data, static_cast<size_t>(src.bytes()));
}

}  // namespace wisp::ref
