#include "io/npy.hpp"

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/status.hpp"

namespace wisp {
namespace {

DType dtype_from_descr(const std::string& d, const std::string& where) {
  static const struct { const char* descr; DType t; } table[] = {
      {"<f4", DType::kF32}, {"<f8", DType::kF64}, {"<f2", DType::kF16}, {"|i1", DType::kI8}, {"|u1", DType::kU8},
      {"<i2", DType::kI16}, {"<u2", DType::kU16}, {"<i4", DType::kI32}, {"<u4", DType::kU32}, {"<i8", DType::kI64},
      {"<u8", DType::kU64}, {"|b1", DType::kBool}, {"<b1", DType::kBool}, {"|i1", DType::kI8}};
  for (const auto& e : table)
    if (d == e.descr) return e.t;
  fail(ErrorCode::kUnsupported, where, ": .npy element type '", d,
       "' is not supported (little-endian float16/32/64, int8-64, uint8-64 or bool)");
}

const char* descr_of(DType t) {
  switch (t) {
    case DType::kF32: return "<f4";
    case DType::kF64: return "<f8";
    case DType::kF16: return "<f2";
    case DType::kI8: return "|i1";
    case DType::kU8: return "|u1";
    case DType::kI16: return "<i2";
    case DType::kU16: return "<u2";
    case DType::kI32: return "<i4";
    case DType::kU32: return "<u4";
    case DType::kI64: return "<i8";
    case DType::kU64: return "<u8";
    case DType::kBool: return "|b1";
    default: fail(ErrorCode::kUnsupported, "cannot write ", dtype_name(t), " tensors to .npy");
  }
}

// Value of `'key': ...` in the header dict, as raw text up to the next top-level comma.
std::string header_field(const std::string& h, const std::string& key, const std::string& where) {
  const size_t k = h.find("'" + key + "'");
  WISP_CHECK(k != std::string::npos, ErrorCode::kInvalidArgument, where, ": .npy header has no '", key, "'");
  size_t p = h.find(':', k);
  WISP_CHECK(p != std::string::npos, ErrorCode::kInvalidArgument, where, ": malformed .npy header");
  ++p;
  while (p < h.size() && h[p] == ' ') ++p;
  size_t e = p;
  if (e < h.size() && h[e] == '(') {
    e = h.find(')', e);
    WISP_CHECK(e != std::string::npos, ErrorCode::kInvalidArgument, where, ": malformed .npy shape");
    return h.substr(p, e - p + 1);
  }
  while (e < h.size() && h[e] != ',' && h[e] != '}') ++e;
  return h.substr(p, e - p);
}

}  // namespace

Tensor parse_npy(const void* data, size_t size, const std::string& where) {
  const auto* b = static_cast<const unsigned char*>(data);
  WISP_CHECK(size >= 10 && std::memcmp(b, "\x93NUMPY", 6) == 0, ErrorCode::kInvalidArgument, where,
             ": not a .npy file (bad magic)");
  const int major = b[6];
  size_t header_len, header_start;
  if (major == 1) {
    header_len = b[8] | (b[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    WISP_CHECK(size >= 12, ErrorCode::kInvalidArgument, where, ": truncated .npy header");
    header_len = static_cast<size_t>(b[8]) | (static_cast<size_t>(b[9]) << 8) | (static_cast<size_t>(b[10]) << 16) |
                 (static_cast<size_t>(b[11]) << 24);
    header_start = 12;
  } else {
    fail(ErrorCode::kUnsupported, where, ": .npy format version ", major, " is not supported");
  }
  WISP_CHECK(header_len <= size - header_start && header_len < (1u << 20), ErrorCode::kInvalidArgument, where,
             ": truncated .npy header");
  const std::string h(reinterpret_cast<const char*>(b + header_start), header_len);
  std::string descr = header_field(h, "descr", where);
  WISP_CHECK(descr.size() >= 2 && descr.front() == '\'' && descr.back() == '\'', ErrorCode::kInvalidArgument, where,
             ": malformed .npy descr");
  descr = descr.substr(1, descr.size() - 2);
  const DType t = dtype_from_descr(descr, where);
  WISP_CHECK(header_field(h, "fortran_order", where).find("False") != std::string::npos, ErrorCode::kUnsupported, where,
             ": Fortran-order .npy arrays are not supported (save with C order)");
  const std::string shape_text = header_field(h, "shape", where);
  Shape shape;
  {
    std::string digits;
    for (char c : shape_text.substr(1)) {
      if (c >= '0' && c <= '9') {
        digits += c;
        WISP_CHECK(digits.size() < 18, ErrorCode::kInvalidArgument, where, ": .npy dimension too large");
      } else if ((c == ',' || c == ')') && !digits.empty()) {
        shape.push_back(std::stoll(digits));
        digits.clear();
      } else if (c != ' ' && c != ',' && c != ')') {
        fail(ErrorCode::kInvalidArgument, where, ": malformed .npy shape ", shape_text);
      }
    }
  }
  const int64_t bytes = checked_mul(shape.numel(), dtype_size(t), "npy data size");
  const size_t data_start = header_start + header_len;
  WISP_CHECK(static_cast<uint64_t>(bytes) <= size - data_start, ErrorCode::kInvalidArgument, where, ": .npy data is truncated (",
             size - data_start, " bytes present, shape ", shape.str(), " of ", dtype_name(t), " needs ", bytes, ")");
  Tensor out(t, shape);
  if (bytes > 0) std::memcpy(out.data(), b + data_start, static_cast<size_t>(bytes));
  return out;
}

Tensor read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  WISP_CHECK(f.good(), ErrorCode::kIo, "cannot open '", path, "'");
  const std::streamoff size = f.tellg();
  WISP_CHECK(size >= 0 && size <= kMaxTensorBytes + (1 << 20), ErrorCode::kResourceExhausted, "'", path, "' is too large");
  std::vector<char> buf(static_cast<size_t>(size));
  f.seekg(0);
  f.read(buf.data(), size);
  WISP_CHECK(f.good() || f.eof(), ErrorCode::kIo, "cannot read '", path, "'");
  return parse_npy(buf.data(), buf.size(), path);
}

void write_npy(const std::string& path, const TensorView& t) {
  std::ostringstream h;
  h << "{'descr': '" << descr_of(t.dtype) << "', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < t.shape.rank(); ++i) h << t.shape[i] << (t.shape.rank() == 1 || i + 1 < t.shape.rank() ? "," : "");
  h << "), }";
  std::string header = h.str();
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  WISP_CHECK(f.good(), ErrorCode::kIo, "cannot create '", path, "'");
  const unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<unsigned char>(header.size() & 0xff),
                                 static_cast<unsigned char>(header.size() >> 8)};
  f.write(reinterpret_cast<const char*>(pre), 10);
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  f.write(static_cast<const char*>(t.data), static_cast<std::streamsize>(t.bytes()));
  WISP_CHECK(f.good(), ErrorCode::kIo, "cannot write '", path, "'");
}

}  // namespace wisp
