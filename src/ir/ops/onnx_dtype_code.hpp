// ONNX TensorProto.DataType codes, as ops with a type attribute (Cast's `to`) carry them.
// The IR keeps ONNX's attribute values so that exported models round-trip; this maps a
// code to Wisp's DType (kUndefined for types Wisp has no kernels for).
#pragma once
#include <cstdint>
#include <iterator>
#include <string_view>

#include "core/dtype.hpp"

namespace wisp {

inline DType dtype_from_onnx_code(int64_t code) {
  switch (code) {
    case 1: return DType::kF32;
    case 2: return DType::kU8;
    case 3: return DType::kI8;
    case 4: return DType::kU16;
    case 5: return DType::kI16;
    case 6: return DType::kI32;
    case 7: return DType::kI64;
    case 9: return DType::kBool;
    case 10: return DType::kF16;
    case 11: return DType::kF64;
    case 12: return DType::kU32;
    case 13: return DType::kU64;
    case 16: return DType::kBF16;
    default: return DType::kUndefined;
  }
}

// Name of an ONNX type code for error messages ("STRING", "FLOAT8E4M3FN"...).
inline std::string_view onnx_code_name(int64_t code) {
  static constexpr std::string_view kNames[] = {
      "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING", "BOOL", "FLOAT16",
      "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ",
      "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"};
  return code >= 0 && code < static_cast<int64_t>(std::size(kNames)) ? kNames[code] : "unknown";
}

}  // namespace wisp
