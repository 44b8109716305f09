// IDX files (the MNIST / Fashion-MNIST container): a big-endian header
//   0x00 0x00 <type> <rank>, then rank big-endian uint32 dims, then the data (big-endian).
// Types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
// Files ending in .gz are inflated with zlib first, with the inflated size capped (a small
// compressed file must not make us allocate gigabytes).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace wisp {

// Parses an IDX image in memory; `limit` >= 0 keeps only the first `limit` items (axis 0).
// The tensor keeps the file's element type (uint8 -> kU8 ...), host byte order.
Tensor parse_idx(const void* data, size_t size, const std::string& where, int64_t limit = -1);
// Reads (and inflates, for *.gz) a file, at most `max_bytes`.
std::vector<unsigned char> read_file_maybe_gz(const std::string& path, int64_t max_bytes);
Tensor read_idx(const std::string& path, int64_t limit = -1);
// True when the file name looks like IDX ("*-idx3-ubyte[.gz]", "*.idx[.gz]") or the first
// bytes are an IDX magic.
bool looks_like_idx(const std::string& path);

}  // namespace wisp
