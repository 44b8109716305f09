// Wisp public C++ API.
//
//   using namespace wisp::api;
//   Model model = Model::load("net.onnx");                // or "net.wisp": parse + verify, once
//   Session session(model, {.dims = {{"batch", 1}}});     // one per thread
//   NDArray x(ElementType::kFloat32, {1, 1, 28, 28});
//   std::vector<NDArray> y = session.run({{"image", x}});
//
// Errors throw wisp::Error (error.hpp) with a code and a message naming what and where.
//
// Thread safety: a Model is immutable and can be shared by any number of threads and
// Sessions. A Session holds the memory arena of one inference at a time: use one per
// thread. Calling run() on one Session from two threads at once throws Error(kBusy) on
// the second call; it never corrupts results.
//
// Memory: Session::prepare plans one arena for every intermediate tensor; run() then does
// no heap allocation for the arena or the kernels (run_into with caller buffers does none
// at all), except for models with data-dependent shapes (NonZero, NonMaxSuppression...),
// whose downstream tensors are allocated while running.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wisp/error.hpp"

namespace wisp::api {

// Same order as the internal DType.
enum class ElementType : uint8_t {
  kUndefined = 0, kFloat32, kFloat64, kFloat16, kBFloat16,
  kInt8, kUInt8, kInt16, kUInt16, kInt32, kUInt32, kInt64, kUInt64, kBool,
};
const char* element_type_name(ElementType t);
size_t element_size(ElementType t);

struct TensorInfo {
  std::string name;
  ElementType type = ElementType::kUndefined;
  std::vector<int64_t> shape;           // -1 where the dimension is symbolic or unknown
  std::vector<std::string> dim_names;   // the symbol ("batch") or "" per dimension
};

// An owning, 64-byte-aligned host tensor.
class NDArray {
 public:
  NDArray() = default;
  NDArray(ElementType type, std::vector<int64_t> shape);  // zero-filled
  ElementType type() const { return type_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t numel() const;
  size_t bytes() const { return static_cast<size_t>(numel()) * element_size(type_); }
  void* data() { return data_.get(); }
  const void* data() const { return data_.get(); }
  template <class T> T* data_as() { return static_cast<T*>(data()); }
  template <class T> const T* data_as() const { return static_cast<const T*>(data()); }

 private:
  ElementType type_ = ElementType::kUndefined;
  std::vector<int64_t> shape_;
  std::shared_ptr<std::byte[]> data_;
};

struct SessionOptions {
  std::map<std::string, int64_t> dims;  // sizes of symbolic dimensions, e.g. {"batch", 1}
  int threads = 1;  // kernel threads, the caller's included; outputs are the same for any value
};

struct MemoryStats {
  int64_t arena_bytes = 0;       // the one arena: every intermediate tensor + kernel scratch
  int64_t no_reuse_bytes = 0;    // what the same tensors would need without reuse
  int64_t live_lower_bound = 0;  // the most bytes live at one step (no plan can use less)
  int64_t weight_bytes = 0;      // constants, including those folded at prepare
};

class Model {
 public:
  // Loads and verifies a model file: a .wisp model (recognised by its content, the
  // identifier "WISP" at byte 4, whatever the file is named; mapped read-only with the
  // weights used in place) or else an ONNX model. Throws Error (kIo, kInvalidModel,
  // kUnsupported for a .wisp of a newer format version...).
  static Model load(const std::string& path);
  // The same from a buffer in memory (e.g. a decrypted package payload), ONNX or .wisp
  // by content. The bytes are copied as needed: the caller may free or overwrite them as
  // soon as this returns. An ONNX model loaded from memory cannot use external data files.
  static Model load_from_memory(const void* data, size_t size);
  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;

  struct Impl;
  std::shared_ptr<const Impl> impl() const { return impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

class Session {
 public:
  explicit Session(const Model& model, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // Plans for the given input shapes (inputs not listed use their declared shape with
  // symbolic dims from SessionOptions::dims). Optional: run() prepares when shapes change.
  void prepare(const std::map<std::string, std::vector<int64_t>>& input_shapes = {});
  std::vector<NDArray> run(const std::map<std::string, NDArray>& inputs);
  // Output shapes for the prepared input shapes (in graph output order).
  std::vector<TensorInfo> prepared_outputs() const;
  MemoryStats memory() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace wisp::api
