#include "io/idx.hpp"

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/checked_math.hpp"
#include "core/status.hpp"

namespace wisp {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct IdxType {
  unsigned char code;
  DType dtype;
  int size;
};
constexpr IdxType kIdxTypes[] = {{0x08, DType::kU8, 1},  {0x09, DType::kI8, 1},  {0x0B, DType::kI16, 2},
                                 {0x0C, DType::kI32, 4}, {0x0D, DType::kF32, 4}, {0x0E, DType::kF64, 8}};

}  // namespace

Tensor parse_idx(const void* data, size_t size, const std::string& where, int64_t limit) {
  const auto* b = static_cast<const unsigned char*>(data);
  WISP_CHECK(size >= 4 && b[0] == 0 && b[1] == 0, ErrorCode::kInvalidArgument, where,
             ": not an IDX file (the first two bytes must be zero)");
  const IdxType* type = nullptr;
  for (const IdxType& t : kIdxTypes)
    if (t.code == b[2]) type = &t;
  WISP_CHECK(type != nullptr, ErrorCode::kUnsupported, where, ": IDX element type 0x", std::hex, int(b[2]),
             " is not one of 08 (uint8), 09, 0B, 0C, 0D, 0E");
  const int rank = b[3];
  WISP_CHECK(rank >= 1 && rank <= 8, ErrorCode::kInvalidArgument, where, ": IDX rank ", rank,
             " is outside 1..8");
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  WISP_CHECK(size >= header, ErrorCode::kInvalidArgument, where, ": truncated IDX header (", size, " bytes)");
  std::vector<int64_t> dims(rank);
  for (int i = 0; i < rank; ++i) {
    const unsigned char* p = b + 4 + 4 * i;
    dims[i] = (int64_t{p[0]} << 24) | (int64_t{p[1]} << 16) | (int64_t{p[2]} << 8) | int64_t{p[3]};
  }
  // The declared element count is checked against the bytes present before allocating.
  int64_t item = 1;
  for (int i = 1; i < rank; ++i) item = checked_mul(item, dims[i], "IDX item size");
  const int64_t item_bytes = checked_mul(item, int64_t{type->size}, "IDX item size");
  const int64_t declared = checked_mul(item_bytes, dims[0], "IDX data size");
  const int64_t present = static_cast<int64_t>(size - header);
  WISP_CHECK(declared <= present, ErrorCode::kInvalidArgument, where, ": IDX header declares ", declared,
             " data bytes but the file holds ", present, " (truncated or corrupt)");
  if (limit >= 0 && limit < dims[0]) dims[0] = limit;
  Tensor t(type->dtype, Shape(dims));
  const unsigned char* src = b + header;
  auto* dst = static_cast<unsigned char*>(t.data());
  const int64_t n = t.numel();
  if (type->size == 1) {
    std::memcpy(dst, src, static_cast<size_t>(n));
  } else {
    for (int64_t i = 0; i < n; ++i)  // big-endian -> host (little-endian on every target we build)
      for (int k = 0; k < type->size; ++k) dst[i * type->size + k] = src[i * type->size + (type->size - 1 - k)];
  }
  return t;
}

std::vector<unsigned char> read_file_maybe_gz(const std::string& path, int64_t max_bytes) {
  std::error_code ec;
  WISP_CHECK(std::filesystem::is_regular_file(path, ec), ErrorCode::kIo, path, ": no such file");
  std::vector<unsigned char> out;
  if (ends_with(path, ".gz")) {
    std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
    WISP_CHECK(f != nullptr, ErrorCode::kIo, path, ": cannot open");
    unsigned char chunk[1 << 16];
    for (;;) {
      const int got = gzread(f.get(), chunk, sizeof chunk);
      if (got < 0) {
        int errnum = 0;
        const char* msg = gzerror(f.get(), &errnum);
        fail(ErrorCode::kInvalidArgument, path, ": corrupt gzip data (", msg ? msg : "?", ")");
      }
      if (got == 0) break;
      WISP_CHECK(static_cast<int64_t>(out.size()) + got <= max_bytes, ErrorCode::kResourceExhausted, path,
                 ": inflates to more than ", max_bytes, " bytes; refusing");
      out.insert(out.end(), chunk, chunk + got);
    }
    return out;
  }
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  WISP_CHECK(!ec, ErrorCode::kIo, path, ": cannot stat");
  WISP_CHECK(size <= max_bytes, ErrorCode::kResourceExhausted, path, ": ", size, " bytes is above the limit of ",
             max_bytes);
  std::ifstream in(path, std::ios::binary);
  WISP_CHECK(in.good(), ErrorCode::kIo, path, ": cannot open");
  out.resize(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(out.data()), size);
  WISP_CHECK(in.gcount() == size, ErrorCode::kInvalidArgument, path, ": short read");
  return out;
}

Tensor read_idx(const std::string& path, int64_t limit) {
  const std::vector<unsigned char> bytes = read_file_maybe_gz(path, kMaxTensorBytes + 4096);
  return parse_idx(bytes.data(), bytes.size(), path, limit);
}

bool looks_like_idx(const std::string& path) {
  std::string base = path;
  if (ends_with(base, ".gz")) base.resize(base.size() - 3);
  if (ends_with(base, "-ubyte") || ends_with(base, ".idx") || base.find("-idx") != std::string::npos) return true;
  return false;
}

}  // namespace wisp
