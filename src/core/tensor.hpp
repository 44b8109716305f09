// Tensor storage and views.
//
// TensorView is what kernels see: element type, concrete shape, and a data pointer it does
// not own. Tensor owns 64-byte-aligned storage (weights, constants, user inputs/outputs).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "core/dtype.hpp"
#include "core/shape.hpp"

namespace wisp {

inline constexpr size_t kTensorAlignment = 64;

struct TensorView {
  DType dtype = DType::kUndefined;
  Shape shape;
  void* data = nullptr;

  int64_t numel() const { return shape.numel(); }
  int64_t bytes() const {
    return dtype_is_4bit(dtype) ? (numel() + 1) / 2 : checked_mul(numel(), dtype_size(dtype), "tensor byte size");
  }
  template <class T> T* as() const { return static_cast<T*>(data); }
  template <class T> std::span<T> span() const { return {as<T>(), static_cast<size_t>(numel())}; }
};

class Tensor {
 public:
  Tensor() = default;
  // Allocates zero-filled storage; throws kResourceExhausted above kMaxTensorBytes.
  Tensor(DType dtype, const Shape& shape);

  DType dtype() const { return view_.dtype; }
  const Shape& shape() const { return view_.shape; }
  int64_t numel() const { return view_.numel(); }
  int64_t bytes() const { return view_.bytes(); }
  bool empty() const { return view_.dtype == DType::kUndefined; }
  void* data() { return view_.data; }
  const void* data() const { return view_.data; }
  template <class T> T* as() { return static_cast<T*>(view_.data); }
  template <class T> const T* as() const { return static_cast<const T*>(view_.data); }
  template <class T> std::span<const T> span() const { return {as<T>(), static_cast<size_t>(numel())}; }
  const TensorView& view() const { return view_; }

  // Copies a view (shape, type and data) into a new owning tensor.
  static Tensor copy_of(const TensorView& v);
  // A tensor over memory it does not own (e.g. weights in a memory-mapped .wisp file):
  // `keep_alive` owns that memory and is kept alive by every copy of the tensor. The data
  // must stay unchanged (a read-only mapping faults on write): use it for constants only.
  // Checks the byte size against kMaxTensorBytes; `view.data` may be null only when empty.
  static Tensor borrowed(const TensorView& view, std::shared_ptr<const void> keep_alive);
  // Builds a tensor from values: Tensor::from<float>({2,2}, {1,2,3,4}).
  template <class T>
  static Tensor from(const Shape& shape, std::initializer_list<T> values) {
    Tensor t(dtype_of<T>(), shape);
    WISP_CHECK(static_cast<int64_t>(values.size()) == t.numel(), ErrorCode::kInvalidArgument,
               "Tensor::from: ", values.size(), " values for shape ", shape.str());
    T* p = t.as<T>();
    for (const T& v : values) *p++ = v;
    return t;
  }
  // Reads element i converted to double / int64 (for shape-like inputs and tests).
  double scalar_as_double(int64_t i = 0) const;
  int64_t scalar_as_int(int64_t i = 0) const;

 private:
  std::shared_ptr<std::byte[]> storage_;
  TensorView view_;
};

// Reads element i of a view as double / int64, whatever its numeric type.
double element_as_double(const TensorView& v, int64_t i);
int64_t element_as_int(const TensorView& v, int64_t i);

}  // namespace wisp
