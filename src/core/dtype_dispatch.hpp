// Implementation detail of dispatch_dtype (dtype.hpp).
#pragma once
#include "core/status.hpp"

namespace wisp {

template <class Fn>
decltype(auto) dispatch_dtype(DType t, const char* what, Fn&& fn) {
  switch (t) {
    case DType::kF32: return fn(float{});
    case DType::kF64: return fn(double{});
    case DType::kF16: return fn(Float16{});
    case DType::kBF16: return fn(BFloat16{});
    case DType::kI8: return fn(int8_t{});
    case DType::kU8: return fn(uint8_t{});
    case DType::kI16: return fn(int16_t{});
    case DType::kU16: return fn(uint16_t{});
    case DType::kI32: return fn(int32_t{});
    case DType::kU32: return fn(uint32_t{});
    case DType::kI64: return fn(int64_t{});
    case DType::kU64: return fn(uint64_t{});
    case DType::kBool: return fn(bool{});
    default: break;
  }
  fail(ErrorCode::kUnsupported, what, ": element type ", dtype_name(t), " is not supported");
}

}  // namespace wisp
