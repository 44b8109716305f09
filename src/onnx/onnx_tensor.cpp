// TensorProto -> Tensor: raw_data (little-endian), the typed repeated fields, or external
// data in a file next to the model. Nothing is allocated until the declared shape has been
// checked (rank, non-negative dims, overflow-free element count) against the bytes that
// are actually present, so a hostile 2^40 x 2^40 initializer is a clean error.
#include <bit>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <type_traits>

#include "core/status.hpp"
#include "onnx/onnx_import_internal.hpp"
#include "wisp_onnx/onnx.pb.h"

namespace wisp {
namespace onnx_import {
namespace {

namespace fs = std::filesystem;
static_assert(std::endian::native == std::endian::little,
              "raw_data is little-endian; a big-endian port must byte-swap in copy_raw()");

std::string dims_str(const onnx::TensorProto& proto) {
  std::string s = "[";
  for (int i = 0; i < proto.dims_size(); ++i) {
    if (i) s += ',';
    s += std::to_string(proto.dims(i));
  }
  return s + "]";
}

// Element count of the declared dims, or -1 when the product overflows 64 bits.
int64_t declared_count(const onnx::TensorProto& proto, const std::string& where) {
  WISP_CHECK(proto.dims_size() <= kMaxRank, ErrorCode::kUnsupported, where, ": rank ", proto.dims_size(),
             " (shape ", dims_str(proto), ") is above the supported maximum of ", kMaxRank);
  int64_t n = 1;
  bool overflow = false;
  for (int64_t d : proto.dims()) {
    WISP_CHECK(d >= 0, ErrorCode::kInvalidModel, where, ": negative dimension in shape ", dims_str(proto));
    if (!overflow && __builtin_mul_overflow(n, d, &n)) overflow = true;
  }
  // A zero dim makes the count 0 even after an overflowing prefix.
  for (int64_t d : proto.dims())
    if (d == 0) return 0;
  return overflow ? -1 : n;
}

[[noreturn]] void fail_size(const std::string& where, const onnx::TensorProto& proto, int64_t count,
                            const char* field, int64_t present, const char* unit) {
  fail(ErrorCode::kInvalidModel, where, ": shape ", dims_str(proto), " of ", onnx_type_name(proto.data_type()),
       " declares ", count < 0 ? std::string("more than 2^63") : std::to_string(count), " elements but ", field,
       " holds ", present, " ", unit, " (the tensor data is truncated or the shape is wrong)");
}

Tensor allocate(DType dtype, const onnx::TensorProto& proto, int64_t count, const std::string& where) {
  const int64_t bytes = checked_mul(count, dtype_size(dtype), "tensor byte size");
  WISP_CHECK(bytes <= kMaxTensorBytes, ErrorCode::kResourceExhausted, where, ": shape ", dims_str(proto), " needs ",
             bytes, " bytes, above the limit of ", kMaxTensorBytes);
  return Tensor(dtype, Shape(std::span<const int64_t>(proto.dims().data(), static_cast<size_t>(proto.dims_size()))));
}

// Bools must be 0 or 1 in memory; normalise whatever the file holds.
void normalise_bools(Tensor& t) {
  if (t.dtype() != DType::kBool) return;
  auto* p = static_cast<uint8_t*>(t.data());
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] != 0;
}

template <class Dst, class Field>
void copy_typed(Tensor& t, const Field& field) {
  Dst* out = static_cast<Dst*>(t.data());
  int64_t i = 0;
  for (auto v : field) {
    if constexpr (std::is_same_v<Dst, Float16> || std::is_same_v<Dst, BFloat16>) {
      out[i++].bits = static_cast<uint16_t>(v);  // int32_data holds the 16 bits
    } else {
      out[i++] = static_cast<Dst>(v);
    }
  }
}

// Which typed field carries `dtype`, its element count, and a copier.
Tensor decode_typed(const onnx::TensorProto& proto, DType dtype, int64_t count, const std::string& where) {
  auto check = [&](int present, const char* field) {
    if (count != present) fail_size(where, proto, count, field, present, "values");
  };
  Tensor t;
  switch (dtype) {
    case DType::kF32:
      check(proto.float_data_size(), "float_data");
      t = allocate(dtype, proto, count, where);
      copy_typed<float>(t, proto.float_data());
      break;
    case DType::kF64:
      check(proto.double_data_size(), "double_data");
      t = allocate(dtype, proto, count, where);
      copy_typed<double>(t, proto.double_data());
      break;
    case DType::kI64:
      check(proto.int64_data_size(), "int64_data");
      t = allocate(dtype, proto, count, where);
      copy_typed<int64_t>(t, proto.int64_data());
      break;
    case DType::kU32:
    case DType::kU64:
      check(proto.uint64_data_size(), "uint64_data");
      t = allocate(dtype, proto, count, where);
      if (dtype == DType::kU32) copy_typed<uint32_t>(t, proto.uint64_data());
      else copy_typed<uint64_t>(t, proto.uint64_data());
      break;
    default:
      check(proto.int32_data_size(), "int32_data");
      t = allocate(dtype, proto, count, where);
      dispatch_dtype(dtype, "int32_data", [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, bool>) copy_typed<uint8_t>(t, proto.int32_data());
        else copy_typed<T>(t, proto.int32_data());
      });
      break;
  }
  normalise_bools(t);
  return t;
}

int64_t parse_non_negative(const std::string& text, const std::string& where, const char* key) {
  int64_t v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  WISP_CHECK(ec == std::errc() && end == text.data() + text.size() && v >= 0, ErrorCode::kInvalidModel, where,
             ": external data ", key, " '", text, "' is not a non-negative integer");
  return v;
}

// True when `inner` is `outer` or below it (both already canonical).
bool path_is_inside(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end() || (std::next(o) == outer.end() && o->empty());  // trailing "/" on outer
}

fs::path resolve_external_path(const std::string& location, const std::string& base_dir, const std::string& where) {
  WISP_CHECK(!location.empty(), ErrorCode::kInvalidModel, where, ": external data has no 'location'");
  const fs::path loc(location);
  WISP_CHECK(!loc.is_absolute() && !loc.has_root_name() && !loc.has_root_directory(), ErrorCode::kInvalidModel,
             where, ": external data location '", location,
             "' is an absolute path; it must be relative to the model's folder");
  for (const fs::path& part : loc)
    WISP_CHECK(part != "..", ErrorCode::kInvalidModel, where, ": external data location '", location,
               "' leaves the model's folder ('..' is not allowed)");
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(fs::path(base_dir), ec);
  WISP_CHECK(!ec, ErrorCode::kIo, where, ": cannot resolve the model folder '", base_dir, "': ", ec.message());
  const fs::path full = fs::weakly_canonical(base / loc, ec);
  WISP_CHECK(!ec, ErrorCode::kIo, where, ": cannot resolve external data location '", location, "': ", ec.message());
  // Catches symlinks inside the folder that point outside it.
  WISP_CHECK(path_is_inside(full, base), ErrorCode::kInvalidModel, where, ": external data location '", location,
             "' resolves to '", full.string(), "', outside the model's folder '", base.string(), "'");
  return full;
}

Tensor decode_external(const onnx::TensorProto& proto, DType dtype, int64_t count, TensorSource& source,
                       const std::string& where) {
  const OnnxImportOptions defaults;
  const OnnxImportOptions& options = source.options ? *source.options : defaults;
  WISP_CHECK(options.allow_external_data, ErrorCode::kUnsupported, where,
             ": the tensor's data is external, and external data is disabled in the import options");
  WISP_CHECK(!source.base_dir.empty(), ErrorCode::kUnsupported, where,
             ": the tensor's data is in an external file, which needs the model's folder "
             "(import it with import_onnx_file, or pass base_dir)");
  std::string location, offset_text, length_text;
  for (const auto& kv : proto.external_data()) {
    if (kv.key() == "location") location = kv.value();
    else if (kv.key() == "offset") offset_text = kv.value();
    else if (kv.key() == "length") length_text = kv.value();
  }
  const fs::path path = resolve_external_path(location, source.base_dir, where);
  std::error_code ec;
  WISP_CHECK(fs::is_regular_file(path, ec), ErrorCode::kIo, where, ": external data file '", path.string(),
             "' does not exist or is not a regular file");
  const auto file_size = static_cast<int64_t>(fs::file_size(path, ec));
  WISP_CHECK(!ec, ErrorCode::kIo, where, ": cannot stat external data file '", path.string(), "': ", ec.message());
  const int64_t offset = offset_text.empty() ? 0 : parse_non_negative(offset_text, where, "offset");
  WISP_CHECK(offset <= file_size, ErrorCode::kInvalidModel, where, ": external data offset ", offset,
             " is past the end of '", path.string(), "' (", file_size, " bytes)");
  const int64_t length = length_text.empty() ? file_size - offset : parse_non_negative(length_text, where, "length");
  WISP_CHECK(length <= file_size - offset, ErrorCode::kInvalidModel, where, ": external data offset ", offset,
             " + length ", length, " is past the end of '", path.string(), "' (", file_size, " bytes)");
  int64_t expected = -1;
  if (count < 0 || __builtin_mul_overflow(count, int64_t{dtype_size(dtype)}, &expected) || expected != length)
    fail_size(where, proto, count, "the external data", length, "bytes");
  source.external_bytes_read = checked_add(source.external_bytes_read, length, "external data size");
  WISP_CHECK(source.external_bytes_read <= options.max_external_data_bytes, ErrorCode::kResourceExhausted, where,
             ": external data totals ", source.external_bytes_read, " bytes, above the limit of ",
             options.max_external_data_bytes);
  Tensor t = allocate(dtype, proto, count, where);
  std::ifstream in(path, std::ios::binary);
  in.seekg(offset);
  in.read(static_cast<char*>(t.data()), length);
  WISP_CHECK(in.good() || (length == 0), ErrorCode::kIo, where, ": reading ", length, " bytes at offset ", offset,
             " of '", path.string(), "' failed");
  normalise_bools(t);
  return t;
}

}  // namespace

Tensor decode_tensor(const onnx::TensorProto& proto, TensorSource& source, const std::string& where) {
  const DType dtype = dtype_from_onnx(proto.data_type(), where);
  WISP_CHECK(!proto.has_segment(), ErrorCode::kUnsupported, where, ": segmented tensors are not supported");
  const int64_t count = declared_count(proto, where);
  if (dtype_is_4bit(dtype)) {  // int4/uint4 weights: two per byte, raw_data only
    WISP_CHECK(proto.data_location() != onnx::TensorProto::EXTERNAL && proto.has_raw_data(), ErrorCode::kUnsupported,
               where, ": ", onnx_type_name(proto.data_type()), " tensors are read from raw_data only");
    const std::string& raw = proto.raw_data();
    if (count < 0 || (count + 1) / 2 != static_cast<int64_t>(raw.size()))
      fail_size(where, proto, count, "raw_data", static_cast<int64_t>(raw.size()), "bytes (two 4-bit values per byte)");
    Tensor packed(dtype, Shape(std::span<const int64_t>(proto.dims().data(), static_cast<size_t>(proto.dims_size()))));
    if (!raw.empty()) std::memcpy(packed.data(), raw.data(), raw.size());
    return packed;
  }
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) return decode_external(proto, dtype, count, source, where);
  if (!proto.has_raw_data()) return decode_typed(proto, dtype, count, where);
  const std::string& raw = proto.raw_data();
  int64_t expected = -1;
  if (count < 0 || __builtin_mul_overflow(count, int64_t{dtype_size(dtype)}, &expected) ||
      expected != static_cast<int64_t>(raw.size()))
    fail_size(where, proto, count, "raw_data", static_cast<int64_t>(raw.size()), "bytes");
  Tensor t = allocate(dtype, proto, count, where);
  if (!raw.empty()) std::memcpy(t.data(), raw.data(), raw.size());
  normalise_bools(t);
  return t;
}

std::string read_file_checked(const std::string& path, int64_t max_bytes, const char* what) {
  std::error_code ec;
  WISP_CHECK(std::filesystem::is_regular_file(path, ec), ErrorCode::kIo, "cannot open ", what, " '", path,
             "': no such file (or not a regular file)");
  const auto size = static_cast<int64_t>(std::filesystem::file_size(path, ec));
  WISP_CHECK(!ec, ErrorCode::kIo, "cannot read the size of ", what, " '", path, "': ", ec.message());
  WISP_CHECK(size <= max_bytes, ErrorCode::kResourceExhausted, what, " '", path, "' is ", size,
             " bytes, above the limit of ", max_bytes, " bytes");
  std::string bytes(static_cast<size_t>(size), '\0');
  std::ifstream in(path, std::ios::binary);
  WISP_CHECK(in.is_open(), ErrorCode::kIo, "cannot open ", what, " '", path, "'");
  in.read(bytes.data(), size);
  WISP_CHECK(in.gcount() == size, ErrorCode::kIo, "reading ", what, " '", path, "' failed after ", in.gcount(),
             " of ", size, " bytes");
  return bytes;
}

}  // namespace onnx_import

Tensor tensor_from_onnx(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& where) {
  onnx_import::TensorSource source{base_dir, nullptr, 0};
  return onnx_import::decode_tensor(proto, source, where);
}

Tensor read_onnx_tensor_file(const std::string& path, std::string* name) {
  const OnnxImportOptions limits;
  const std::string bytes = onnx_import::read_file_checked(path, limits.max_file_bytes, "tensor file");
  onnx::TensorProto proto;
  WISP_CHECK(proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())), ErrorCode::kInvalidModel, path,
             ": not a valid ONNX TensorProto (protobuf parse failed)");
  if (name) *name = proto.name();
  const std::string where = str_cat("tensor file '", path, "'");
  return tensor_from_onnx(proto, std::filesystem::path(path).parent_path().string(), where);
}

}  // namespace wisp
