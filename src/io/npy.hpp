// NumPy .npy files (format versions 1.0-3.0, little-endian, C order), the exchange format
// of `wisp run` and `wisp eval`. Reading is defensive: the header is parsed strictly,
// the declared shape is overflow-checked against the file size before anything is
// allocated.
#pragma once
#include <string>

#include "core/tensor.hpp"

namespace wisp {

Tensor read_npy(const std::string& path);
Tensor parse_npy(const void* data, size_t size, const std::string& where);
void write_npy(const std::string& path, const TensorView& t);

}  // namespace wisp
