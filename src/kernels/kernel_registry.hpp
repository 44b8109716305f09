// Kernels are looked up by {op, element type, ISA}. The reference kernels (src/kernels/ref)
// register with Isa::kRef and usually DType::kUndefined ("any type": they dispatch on the
// type themselves); optimized kernels register for one type and one ISA and are preferred
// when the CPU has that ISA. The key type is the type of the op's first input.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/tensor.hpp"

namespace wisp {

class Node;
class ThreadPool;

enum class Isa : uint8_t { kRef = 0, kPortable = 1, kAvx2 = 2, kAvx512 = 3, kNeon = 4 };
std::string_view isa_name(Isa isa);

// Allocates outputs whose shape is known only while running (set_output_dynamic).
class DynamicOutputAllocator {
 public:
  virtual ~DynamicOutputAllocator() = default;
  virtual TensorView& allocate(int output, DType dtype, const Shape& shape) = 0;
};

struct KernelArgs {
  const Node* node = nullptr;       // for error messages only
  const void* params = nullptr;     // the struct the op's infer filled in
  std::span<const TensorView* const> in;  // null entries for omitted optional inputs
  std::span<TensorView* const> out;       // null entries for omitted optional outputs
  void* scratch = nullptr;
  int64_t scratch_bytes = 0;
  DynamicOutputAllocator* dynamic = nullptr;
  ThreadPool* pool = nullptr;  // the session's threads for parallel_for (null: run serially)

  template <class P> const P& p() const { return *static_cast<const P*>(params); }
  bool has_in(size_t i) const { return i < in.size() && in[i] != nullptr; }
  bool has_out(size_t i) const { return i < out.size() && out[i] != nullptr; }
  // For outputs declared dynamic: allocates it with `shape`; returns the view to write.
  TensorView& alloc_output(int i, DType dtype, const Shape& shape) const;
};

using KernelFn = void (*)(const KernelArgs&);

void register_kernel(std::string_view op_type, DType dtype, Isa isa, KernelFn fn, std::string_view domain = "");
// Best kernel for `dtype` at or below `max_isa` (kRef always qualifies); null if none.
KernelFn find_kernel(std::string_view domain, std::string_view op_type, DType dtype, Isa max_isa);

struct KernelRegistrar {
  KernelRegistrar(std::string_view op_type, DType dtype, Isa isa, KernelFn fn, std::string_view domain = "") {
    register_kernel(op_type, dtype, isa, fn, domain);
  }
};

// WISP_REGISTER_KERNEL("Relu", DType::kUndefined, Isa::kRef, relu_kernel);
#define WISP_REGISTER_KERNEL(...) \
  static const ::wisp::KernelRegistrar WISP_CONCAT(wisp_kernel_registrar_, __COUNTER__)(__VA_ARGS__)
#ifndef WISP_CONCAT
#define WISP_CONCAT_INNER(a, b) a##b
#define WISP_CONCAT(a, b) WISP_CONCAT_INNER(a, b)
#endif

}  // namespace wisp
