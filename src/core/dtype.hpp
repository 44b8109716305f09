// Element types. The enum values are Wisp's own (not ONNX's); src/onnx maps between them.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/float16.hpp"

namespace wisp {

enum class DType : uint8_t {
  kUndefined = 0,
  kF32, kF64, kF16, kBF16,
  kI8, kU8, kI16, kU16, kI32, kU32, kI64, kU64,
  kBool,
  kI4, kU4,  // packed two per byte; reserved for weight-only quantization
  kString,   // only so the importer can name it in an "unsupported" error
};

// Bytes per element; 0 for packed sub-byte types and types without a fixed size.
int dtype_size(DType t);
// int4/uint4: two elements per byte (element 2i in the low nibble of byte i, as ONNX packs
// them); a tensor of n elements takes (n + 1) / 2 bytes.
inline bool dtype_is_4bit(DType t) { return t == DType::kI4 || t == DType::kU4; }
std::string_view dtype_name(DType t);
bool dtype_is_float(DType t);
bool dtype_is_integer(DType t);  // signed or unsigned, not bool
bool dtype_is_signed(DType t);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::kF32; }
template <> constexpr DType dtype_of<double>() { return DType::kF64; }
template <> constexpr DType dtype_of<Float16>() { return DType::kF16; }
template <> constexpr DType dtype_of<BFloat16>() { return DType::kBF16; }
template <> constexpr DType dtype_of<int8_t>() { return DType::kI8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::kU8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::kI16; }
template <> constexpr DType dtype_of<uint16_t>() { return DType::kU16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::kI32; }
template <> constexpr DType dtype_of<uint32_t>() { return DType::kU32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::kI64; }
template <> constexpr DType dtype_of<uint64_t>() { return DType::kU64; }
template <> constexpr DType dtype_of<bool>() { return DType::kBool; }

// Calls fn(T{}) with T the C++ type of `t`, for every numeric type and bool.
// Throws kUnsupported for other types. `what` names the caller in the error.
template <class Fn>
decltype(auto) dispatch_dtype(DType t, const char* what, Fn&& fn);

}  // namespace wisp

#include "core/dtype_dispatch.hpp"
