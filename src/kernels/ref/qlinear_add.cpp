// Reference QLinearAdd: qadd_value (kernels/ref/qadd.hpp) over NumPy broadcasting. Reads
// each input element before writing that output element, so C may share A's buffer.
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/qadd.hpp"

namespace wisp::ref {
namespace {

template <class T>
void qlinear_add_typed(const KernelArgs& a) {
  const QAddParams& p = a.p<QAddParams>();
  const T* x = a.in[0]->as<const T>();
  const T* y = a.in[3]->as<const T>();
  T* out = a.out[0]->as<T>();
  for_each_broadcast<2>(a.out[0]->shape, {&a.in[0]->shape, &a.in[3]->shape}, [&](int64_t i, const auto& off) {
    out[i] = static_cast<T>(qadd_value(x[off[0]], y[off[1]], p));
  });
}

void qlinear_add_kernel(const KernelArgs& a) {
  if (a.in[0]->dtype == DType::kI8) return qlinear_add_typed<int8_t>(a);
  qlinear_add_typed<uint8_t>(a);
}

}  // namespace

WISP_REGISTER_KERNEL("QLinearAdd", DType::kUndefined, Isa::kRef, qlinear_add_kernel, "com.microsoft");

}  // namespace wisp::ref
