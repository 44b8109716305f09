#include "kernels/ref/constant.hpp"

#include <algorithm>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/copy.hpp"
#include "kernels/ref/shape_compute.hpp"

namespace wisp::ref {
namespace {

void constant_kernel(const KernelArgs& a) { copy_bytes(a.p<ConstantParams>().value.view(), *a.out[0]); }

void constant_of_shape_kernel(const KernelArgs& a) {
  const auto& p = a.p<ConstantOfShapeParams>();
  TensorView* out = a.out[0];
  if (p.dynamic) {
    const Shape s = with_label([&] { return kernel_label(a, "ConstantOfShape"); }, [&] {
      Shape r = shape_from_values(*a.in[0], "shape");
      check_output_bytes(r, p.value.dtype());
      return r;
    });
    out = &a.alloc_output(0, p.value.dtype(), s);
  }
  dispatch_elem_size(p.value.dtype(), "ConstantOfShape", [&](auto tag) {
    using U = decltype(tag);
    const U v = *static_cast<const U*>(p.value.data());
    std::fill_n(out->as<U>(), out->numel(), v);
  });
}

void shape_kernel(const KernelArgs& a) {
  const auto& p = a.p<ShapeParams>();
  const Shape& s = a.in[0]->shape;
  int lo = 0, hi = 0;
  shape_slice_bounds(s.rank(), p.start, p.end, lo, hi);
  int64_t* o = a.out[0]->as<int64_t>();
  for (int i = lo; i < hi; ++i) *o++ = s[i];
}

void size_kernel(const KernelArgs& a) { *a.out[0]->as<int64_t>() = a.in[0]->numel(); }

}  // namespace

WISP_REGISTER_KERNEL("Constant", DType::kUndefined, Isa::kRef, constant_kernel);
WISP_REGISTER_KERNEL("ConstantOfShape", DType::kUndefined, Isa::kRef, constant_of_shape_kernel);
WISP_REGISTER_KERNEL("Shape", DType::kUndefined, Isa::kRef, shape_kernel);
WISP_REGISTER_KERNEL("Size", DType::kUndefined, Isa::kRef, size_kernel);

}  // namespace wisp::ref
