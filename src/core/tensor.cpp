#include "core/tensor.hpp"

#include <cstring>
#include <new>

namespace wisp {

Tensor::Tensor(DType dtype, const Shape& shape) {
  for (int64_t d : shape)
    WISP_CHECK(d >= 0, ErrorCode::kInvalidModel, "negative dimension in shape ", shape.str());
  view_.dtype = dtype;
  view_.shape = shape;
  int64_t bytes = view_.bytes();
  WISP_CHECK(dtype_size(dtype) > 0 || dtype_is_4bit(dtype), ErrorCode::kUnsupported, "cannot allocate a tensor of type ",
             dtype_name(dtype));
  WISP_CHECK(bytes <= kMaxTensorBytes, ErrorCode::kResourceExhausted, "tensor of shape ",
             shape.str(), " needs ", bytes, " bytes, above the limit of ", kMaxTensorBytes);
  const size_t alloc = static_cast<size_t>(align_up(bytes > 0 ? bytes : 1, kTensorAlignment));
  std::byte* p = static_cast<std::byte*>(::operator new[](alloc, std::align_val_t{kTensorAlignment}));
  std::memset(p, 0, alloc);
  storage_ = std::shared_ptr<std::byte[]>(
      p, [](std::byte* q) { ::operator delete[](q, std::align_val_t{kTensorAlignment}); });
  view_.data = p;
}

Tensor Tensor::copy_of(const TensorView& v) {
  Tensor t(v.dtype, v.shape);
  if (t.bytes() > 0) std::memcpy(t.data(), v.data, static_cast<size_t>(t.bytes()));
  return t;
}

Tensor Tensor::borrowed(const TensorView& view, std::shared_ptr<const void> keep_alive) {
  for (int64_t d : view.shape)
    WISP_CHECK(d >= 0, ErrorCode::kInvalidModel, "negative dimension in shape ", view.shape.str());
  WISP_CHECK(dtype_size(view.dtype) > 0 || dtype_is_4bit(view.dtype), ErrorCode::kUnsupported, "cannot borrow a tensor of type ",
             dtype_name(view.dtype));
  const int64_t bytes = view.bytes();
  WISP_CHECK(bytes <= kMaxTensorBytes, ErrorCode::kResourceExhausted, "tensor of shape ", view.shape.str(),
             " has ", bytes, " bytes, above the limit of ", kMaxTensorBytes);
  WISP_CHECK(view.data != nullptr || bytes == 0, ErrorCode::kInvalidArgument,
             "Tensor::borrowed: null data for a tensor of ", bytes, " bytes");
  WISP_CHECK(keep_alive != nullptr, ErrorCode::kInvalidArgument, "Tensor::borrowed: no owner for the memory");
  Tensor t;
  t.view_ = view;
  // Aliasing constructor: shares ownership of `keep_alive`, points at the view's data.
  t.storage_ = std::shared_ptr<std::byte[]>(std::const_pointer_cast<void>(keep_alive),
                                            static_cast<std::byte*>(view.data));
  return t;
}

double element_as_double(const TensorView& v, int64_t i) {
  return dispatch_dtype(v.dtype, "element_as_double",
                        [&](auto tag) { return static_cast<double>(static_cast<const decltype(tag)*>(v.data)[i]); });
}

int64_t element_as_int(const TensorView& v, int64_t i) {
  return dispatch_dtype(v.dtype, "element_as_int", [&](auto tag) -> int64_t {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
      return static_cast<int64_t>(static_cast<float>(static_cast<const T*>(v.data)[i]));
    else
      return static_cast<int64_t>(static_cast<const T*>(v.data)[i]);
  });
}

double Tensor::scalar_as_double(int64_t i) const { return element_as_double(view_, i); }
int64_t Tensor::scalar_as_int(int64_t i) const { return element_as_int(view_, i); }

}  // namespace wisp
