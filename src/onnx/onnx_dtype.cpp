// ONNX element type codes (TensorProto.DataType) <-> Wisp DType.
#include "core/status.hpp"
#include "ir/ops/onnx_dtype_code.hpp"
#include "onnx/onnx_import_internal.hpp"

namespace wisp::onnx_import {

const char* onnx_type_name(int32_t onnx_type) { return onnx_code_name(onnx_type).data(); }

DType dtype_from_onnx(int32_t onnx_type, const std::string& where) {
  const DType t = dtype_from_onnx_code(onnx_type);
  if (t != DType::kUndefined) return t;
  // Tensors only (weight-only INT4 initializers); Cast and friends still refuse these codes.
  if (onnx_type == 21) return DType::kU4;
  if (onnx_type == 22) return DType::kI4;
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
