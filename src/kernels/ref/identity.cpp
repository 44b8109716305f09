#include <cstring>

#include "kernels/kernel_registry.hpp"
#include "core/status.hpp"
#include "kernels/ref/copy.hpp"

namespace wisp::ref {
namespace {

void identity_kernel(const KernelArgs& a) { copy_bytes(*a.in[0], *a.out[0]); }

void dropout_kernel(const KernelArgs& a) {
  // training_mode known only now (a graph input): refuse rather than silently not drop.
  if (a.has_in(2) && a.in[2]->numel() == 1 && element_as_int(*a.in[2], 0) != 0)
    fail(ErrorCode::kUnsupported, "Dropout: training_mode=true is not supported (Wisp runs inference)");
  copy_bytes(*a.in[0], *a.out[0]);
  if (a.has_out(1)) std::memset(a.out[1]->data, 1, static_cast<size_t>(a.out[1]->bytes()));
}

}  // namespace

WISP_REGISTER_KERNEL("Identity", DType::kUndefined, Isa::kRef, identity_kernel);
WISP_REGISTER_KERNEL("Dropout", DType::kUndefined, Isa::kRef, dropout_kernel);

}  // namespace wisp::ref
