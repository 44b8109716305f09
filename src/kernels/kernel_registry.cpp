#include "kernels/kernel_registry.hpp"

#include <map>
#include <string>
#include <tuple>

#include "core/status.hpp"
#include "ir/graph.hpp"

namespace wisp {
namespace {

using Key = std::tuple<std::string, std::string, DType, Isa>;
std::map<Key, KernelFn>& kernels() {
  static std::map<Key, KernelFn> registry;
  return registry;
}

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::kRef: return "ref";
    case Isa::kPortable: return "portable";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
    case Isa::kNeon: return "neon";
  }
  return "?";
}

void register_kernel(std::string_view op_type, DType dtype, Isa isa, KernelFn fn, std::string_view domain) {
  Key key{std::string(domain), std::string(op_type), dtype, isa};
  if (kernels().count(key)) fail(ErrorCode::kInternal, "kernel ", op_type, "/", dtype_name(dtype), "/", isa_name(isa), " registered twice");
  kernels()[key] = fn;
}

KernelFn find_kernel(std::string_view domain, std::string_view op_type, DType dtype, Isa max_isa) {
  std::string d(domain == "ai.onnx" ? "" : domain), op(op_type);
  // Most specific first: exact type at the best ISA, down to the any-type reference kernel.
  for (int isa = static_cast<int>(max_isa); isa >= 0; --isa) {
    for (DType t : {dtype, DType::kUndefined}) {
      auto it = kernels().find(Key{d, op, t, static_cast<Isa>(isa)});
      if (it != kernels().end()) return it->second;
    }
  }
  return nullptr;
}

TensorView& KernelArgs::alloc_output(int i, DType dtype, const Shape& shape) const {
  WISP_CHECK(dynamic != nullptr, ErrorCode::kInternal, node ? node->label() : std::string("kernel"),
             ": output ", i, " was not declared dynamic by the op's infer function");
  return dynamic->allocate(i, dtype, shape);
}

}  // namespace wisp
