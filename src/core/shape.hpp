// Concrete tensor shapes. Shape has a fixed capacity (kMaxRank) and never allocates, so
// kernels may build and copy shapes freely while running.
// Symbolic shapes (dims named like "batch") live in the IR: see ir/value.hpp.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "core/checked_math.hpp"

namespace wisp {

inline constexpr int kMaxRank = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { for (int64_t d : dims) push_back(d); }
  explicit Shape(std::span<const int64_t> dims) { for (int64_t d : dims) push_back(d); }

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[i]; }
  int64_t& operator[](int i) { return dims_[i]; }
  const int64_t* begin() const { return dims_; }
  const int64_t* end() const { return dims_ + rank_; }
  std::span<const int64_t> dims() const { return {dims_, static_cast<size_t>(rank_)}; }

  void push_back(int64_t d) {
    WISP_CHECK(rank_ < kMaxRank, ErrorCode::kUnsupported, "tensor rank above ", kMaxRank,
               " is not supported");
    dims_[rank_++] = d;
  }
  void resize(int rank, int64_t fill = 1) {
    WISP_CHECK(rank >= 0 && rank <= kMaxRank, ErrorCode::kUnsupported, "tensor rank ", rank,
               " is not supported (at most ", kMaxRank, ")");
    for (int i = rank_; i < rank; ++i) dims_[i] = fill;
    rank_ = rank;
  }

  // Product of dims, overflow-checked; 1 for a scalar (rank 0).
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n = checked_mul(n, dims_[i], "element count");
    return n;
  }
  // Product of dims [from, to).
  int64_t numel(int from, int to) const {
    int64_t n = 1;
    for (int i = from; i < to; ++i) n = checked_mul(n, dims_[i], "element count");
    return n;
  }

  // Resolves a possibly negative axis against this rank; throws kInvalidModel when out of range.
  int axis(int64_t a, const char* what = "axis") const { return normalize_axis(a, rank_, what); }
  static int normalize_axis(int64_t a, int rank, const char* what = "axis");

  bool operator==(const Shape& o) const {
    if (rank_ != o.rank_) return false;
    for (int i = 0; i < rank_; ++i)
      if (dims_[i] != o.dims_[i]) return false;
    return true;
  }
  std::string str() const;  // "[1,3,224,224]"

 private:
  int64_t dims_[kMaxRank] = {};
  int rank_ = 0;
};

// Row-major strides (in elements) of `s`.
Shape strides_of(const Shape& s);

// NumPy-style multidirectional broadcast of a and b; throws kInvalidModel when they do not
// broadcast, with `where` (usually the node name) in the message.
Shape broadcast_shapes(const Shape& a, const Shape& b, const std::string& where);

}  // namespace wisp
