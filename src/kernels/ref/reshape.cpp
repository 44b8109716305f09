#include "kernels/ref/reshape.hpp"

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/copy.hpp"
#include "kernels/ref/shape_compute.hpp"

namespace wisp::ref {
namespace {

// Copies input 0 to output 0; a dynamic output is first allocated with compute()'s shape.
template <class Compute>
void reshape_like(const KernelArgs& a, const char* op, Compute&& compute) {
  TensorView* out = a.out[0];
  if (a.p<ReshapeParams>().dynamic) {
    const Shape s = with_label([&] { return kernel_label(a, op); }, [&] {
      Shape r = compute();
      check_output_bytes(r, a.in[0]->dtype);
      return r;
    });
    out = &a.alloc_output(0, a.in[0]->dtype, s);
  }
  copy_bytes(*a.in[0], *out);
}

void reshape_kernel(const KernelArgs& a) {
  reshape_like(a, "Reshape", [&] { return reshape_shape(a.in[0]->shape, *a.in[1], a.p<ReshapeParams>().allowzero); });
}
void flatten_kernel(const KernelArgs& a) { copy_bytes(*a.in[0], *a.out[0]); }
void squeeze_kernel(const KernelArgs& a) {
  reshape_like(a, "Squeeze", [&] { return squeeze_shape(a.in[0]->shape, a.has_in(1) ? a.in[1] : nullptr); });
}
void unsqueeze_kernel(const KernelArgs& a) {
  reshape_like(a, "Unsqueeze", [&] { return unsqueeze_shape(a.in[0]->shape, *a.in[1]); });
}

}  // namespace

WISP_REGISTER_KERNEL("Reshape", DType::kUndefined, Isa::kRef, reshape_kernel);
WISP_REGISTER_KERNEL("Flatten", DType::kUndefined, Isa::kRef, flatten_kernel);
WISP_REGISTER_KERNEL("Squeeze", DType::kUndefined, Isa::kRef, squeeze_kernel);
WISP_REGISTER_KERNEL("Unsqueeze", DType::kUndefined, Isa::kRef, unsqueeze_kernel);

}  // namespace wisp::ref
