// Overflow-checked 64-bit size arithmetic. Every size computed from file data goes
// through these, so a hostile dimension like 2^62 is an error, not a wrapped product.
#pragma once
#include <cstdint>
#include <limits>

#include "core/status.hpp"

namespace wisp {

// Largest tensor or buffer Wisp will ever allocate (4 GiB). Models for edge devices are
// far below this; anything above it is almost certainly a corrupt or hostile file.
inline constexpr int64_t kMaxTensorBytes = int64_t{1} << 32;

inline int64_t checked_mul(int64_t a, int64_t b, const char* what = "size") {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) fail(ErrorCode::kResourceExhausted, what, " overflows 64 bits");
  return r;
}

inline int64_t checked_add(int64_t a, int64_t b, const char* what = "size") {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) fail(ErrorCode::kResourceExhausted, what, " overflows 64 bits");
  return r;
}

// Rounds up to a multiple of `align` (a power of two).
inline int64_t align_up(int64_t v, int64_t align) { return checked_add(v, align - 1) & ~(align - 1); }

}  // namespace wisp
