// The element types the reference pools take (the float types plus int8/uint8) and the
// switch that picks the typed kernel K<T>::run for the input's type, shared by the NCHW
// (pool.cpp) and NHWC (pool_nhwc.cpp) reference pools.
#pragma once
#include "core/float16.hpp"
#include "core/status.hpp"
#include "kernels/kernel_registry.hpp"

namespace wisp::ref {

template <template <class> class K>
void dispatch_pool(const KernelArgs& a, const char* op) {
  switch (a.in[0]->dtype) {
    case DType::kF32: return K<float>::run(a);
    case DType::kF64: return K<double>::run(a);
    case DType::kF16: return K<Float16>::run(a);
    case DType::kBF16: return K<BFloat16>::run(a);
    case DType::kI8: return K<int8_t>::run(a);
    case DType::kU8: return K<uint8_t>::run(a);
    default: fail(ErrorCode::kUnsupported, op, ": element type ", dtype_name(a.in[0]->dtype), " is not supported");
  }
}

}  // namespace wisp::ref
