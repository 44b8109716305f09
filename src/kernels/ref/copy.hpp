#pragma once
#include "core/tensor.hpp"

namespace wisp::ref {

// Copies src's bytes to dst (same byte size). No-op when they already share memory, which
// is what the planner arranges for aliasing ops (Reshape, Identity...).
void copy_bytes(const TensorView& src, TensorView& dst);

}  // namespace wisp::ref
