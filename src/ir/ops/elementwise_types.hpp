// Type lists shared by the elementwise ops' infer functions (ONNX's type constraints).
#pragma once
#include <initializer_list>

#include "core/dtype.hpp"

namespace wisp::types {

inline constexpr std::initializer_list<DType> kFloats = {DType::kF32, DType::kF64, DType::kF16, DType::kBF16};
inline constexpr std::initializer_list<DType> kInts = {DType::kI8,  DType::kU8,  DType::kI16, DType::kU16,
                                                        DType::kI32, DType::kU32, DType::kI64, DType::kU64};
inline constexpr std::initializer_list<DType> kSignedInts = {DType::kI8, DType::kI16, DType::kI32, DType::kI64};
inline constexpr std::initializer_list<DType> kNumeric = {
    DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI8,  DType::kU8,
    DType::kI16, DType::kU16, DType::kI32, DType::kU32,  DType::kI64, DType::kU64};
inline constexpr std::initializer_list<DType> kSignedNumeric = {DType::kF32, DType::kF64, DType::kF16, DType::kBF16,
                                                                 DType::kI8,  DType::kI16, DType::kI32, DType::kI64};
inline constexpr std::initializer_list<DType> kNumericAndBool = {
    DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI8,  DType::kU8,  DType::kI16,
    DType::kU16, DType::kI32, DType::kU32, DType::kI64,  DType::kU64, DType::kBool};
inline constexpr std::initializer_list<DType> kBool = {DType::kBool};

}  // namespace wisp::types
