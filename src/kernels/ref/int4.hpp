// 4-bit integers (ONNX INT4/UINT4, opset 21): two per byte, element 2i in the low nibble
// of byte i and element 2i+1 in the high nibble. Weight-only INT4 (quant/int4_weights.hpp)
// stores MatMul/Gemm weights this way with one float scale per block of `block_size`
// consecutive elements along one axis (DequantizeLinear's blocked form).
#pragma once
#include <cstdint>

namespace wisp::ref {

inline int int4_at(const uint8_t* packed, int64_t i, bool is_signed) {
  const int nibble = (packed[i >> 1] >> ((i & 1) * 4)) & 0xF;
  return is_signed ? (nibble ^ 8) - 8 : nibble;
}

inline void int4_set(uint8_t* packed, int64_t i, int v) {
  const int shift = static_cast<int>(i & 1) * 4;
  packed[i >> 1] = static_cast<uint8_t>((packed[i >> 1] & ~(0xF << shift)) | ((v & 0xF) << shift));
}

// DequantizeLinear of a 4-bit x viewed as [outer, axis_dim, inner]. The scale (and zero
// point) has x's shape with the axis reduced to ceil(axis_dim / block) entries (blocked),
// or is one value per axis index (block 0, per_axis), or one value (per tensor).
struct Dequantize4BitParams {
  int64_t outer = 1, axis_dim = 1, inner = 1;
  int64_t block = 0;  // 0: per axis or per tensor
  bool per_axis = false;
  bool is_signed = true;
};

// Index of the scale of element (o, d, i).
inline int64_t dequantize4_scale_index(const Dequantize4BitParams& p, int64_t o, int64_t d, int64_t i) {
  if (p.block > 0) {
    const int64_t blocks = (p.axis_dim + p.block - 1) / p.block;
    return (o * blocks + d / p.block) * p.inner + i;
  }
  return p.per_axis ? d : 0;
}

}  // namespace wisp::ref
