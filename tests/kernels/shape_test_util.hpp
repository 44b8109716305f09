// Small builders shared by the shape-op tests.
#pragma once
#include <functional>
#include <vector>

#include "core/tensor.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp::test {

inline Tensor i64s(std::vector<int64_t> v) {
  Tensor t(DType::kI64, Shape{static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.as<int64_t>()[i] = v[i];
  return t;
}

// 0, 1, 2, ... as float, of the given shape.
inline Tensor iota_f32(const Shape& s) {
  Tensor t(DType::kF32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = static_cast<float>(i);
  return t;
}

template <class T>
std::vector<T> values_of(const Tensor& t) {
  return std::vector<T>(t.as<T>(), t.as<T>() + t.numel());
}

inline ErrorCode error_code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kOk;
}

}  // namespace wisp::test
