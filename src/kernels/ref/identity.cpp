#include <cstring>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/copy.hpp"

namespace wisp::ref {
namespace {

void identity_kernel(const KernelArgs& a) { copy_bytes(*a.in[0], *a.out[0]); }

void dropout_kernel(const KernelArgs& a) {
  copy_bytes(*a.in[0], *a.out[0]);
  if (a.has_out(1)) std::memset(a.out[1]->data, 1, static_cast<size_t>(a.out[1]->bytes()));
}

}  // namespace

WISP_REGISTER_KERNEL("Identity", DType::kUndefined, Isa::kRef, identity_kernel);
WISP_REGISTER_KERNEL("Dropout", DType::kUndefined, Isa::kRef, dropout_kernel);

}  // namespace wisp::ref
