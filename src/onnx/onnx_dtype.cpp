// ONNX element type codes (TensorProto.DataType) <-> Wisp DType.
#include "core/status.hpp"
#include "onnx/onnx_import_internal.hpp"

namespace wisp::onnx_import {

const char* onnx_type_name(int32_t onnx_type) {
  switch (onnx_type) {
    case 0: return "UNDEFINED";
    case 1: return "FLOAT";
    case 2: return "UINT8";
    case 3: return "INT8";
    case 4: return "UINT16";
    case 5: return "INT16";
    case 6: return "INT32";
    case 7: return "INT64";
    case 8: return "STRING";
    case 9: return "BOOL";
    case 10: return "FLOAT16";
    case 11: return "DOUBLE";
    case 12: return "UINT32";
    case 13: return "UINT64";
    case 14: return "COMPLEX64";
    case 15: return "COMPLEX128";
    case 16: return "BFLOAT16";
    case 17: return "FLOAT8E4M3FN";
    case 18: return "FLOAT8E4M3FNUZ";
    case 19: return "FLOAT8E5M2";
    case 20: return "FLOAT8E5M2FNUZ";
    case 21: return "UINT4";
    case 22: return "INT4";
    case 23: return "FLOAT4E2M1";
    default: return "unknown";
  }
}

DType dtype_from_onnx(int32_t onnx_type, const std::string& where) {
  switch (onnx_type) {
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
    default: break;
  }
  WISP_CHECK(onnx_type > 0 && onnx_type <= 23, ErrorCode::kInvalidModel, where, ": element type code ", onnx_type,
             " is not a valid ONNX TensorProto.DataType");
  fail(ErrorCode::kUnsupported, where, ": element type ", onnx_type_name(onnx_type),
       " is not supported (Wisp handles float, double, float16, bfloat16, [u]int8..64 and bool)");
}

int32_t dtype_to_onnx(DType t) {
  switch (t) {
    case DType::kF32: return 1;
    case DType::kU8: return 2;
    case DType::kI8: return 3;
    case DType::kU16: return 4;
    case DType::kI16: return 5;
    case DType::kI32: return 6;
    case DType::kI64: return 7;
    case DType::kString: return 8;
    case DType::kBool: return 9;
    case DType::kF16: return 10;
    case DType::kF64: return 11;
    case DType::kU32: return 12;
    case DType::kU64: return 13;
    case DType::kBF16: return 16;
    case DType::kU4: return 21;
    case DType::kI4: return 22;
    default: return 0;
  }
}

}  // namespace wisp::onnx_import
