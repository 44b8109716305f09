#include "kernels/ref/where_cast.hpp"

#include <cstring>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/broadcast.hpp"
#include "kernels/ref/elementwise.hpp"

namespace wisp::ref {
namespace {

void where_kernel(const KernelArgs& a) { where(*a.in[0], *a.in[1], *a.in[2], *a.out[0]); }
void cast_kernel(const KernelArgs& a) { cast(*a.in[0], *a.out[0]); }

}  // namespace

void where(const TensorView& cond, const TensorView& x, const TensorView& y, TensorView& out) {
  // Selecting copies bytes, so dispatch on the element size only.
  auto select = [&](auto tag) {
    using E = decltype(tag);
    const bool* pc = cond.as<bool>();
    const E* px = static_cast<const E*>(x.data);
    const E* py = static_cast<const E*>(y.data);
    E* po = static_cast<E*>(out.data);
    for_each_broadcast<3>(out.shape, {&cond.shape, &x.shape, &y.shape},
                          [&](int64_t i, const BroadcastOffsets<3>& o) { po[i] = pc[o[0]] ? px[o[1]] : py[o[2]]; });
  };
  switch (dtype_size(x.dtype)) {
    case 1: return select(uint8_t{});
    case 2: return select(uint16_t{});
    case 4: return select(uint32_t{});
    case 8: return select(uint64_t{});
    default: break;
  }
  fail(ErrorCode::kUnsupported, "Where: element type ", dtype_name(x.dtype), " is not supported");
}

void cast(const TensorView& in, TensorView& out) {
  if (in.dtype == out.dtype) {
    if (in.data != out.data) std::memmove(out.data, in.data, static_cast<size_t>(in.bytes()));
    return;
  }
  const int64_t n = in.numel();
  dispatch_dtype(in.dtype, "Cast input", [&](auto from_tag) {
    using From = decltype(from_tag);
    dispatch_dtype(out.dtype, "Cast output", [&](auto to_tag) {
      using To = decltype(to_tag);
      const From* src = in.as<From>();
      To* dst = out.as<To>();
      for (int64_t i = 0; i < n; ++i) dst[i] = convert_value<To>(src[i]);
    });
  });
}

WISP_REGISTER_KERNEL("Where", DType::kUndefined, Isa::kRef, where_kernel);
WISP_REGISTER_KERNEL("Cast", DType::kUndefined, Isa::kRef, cast_kernel);
WISP_REGISTER_KERNEL("CastLike", DType::kUndefined, Isa::kRef, cast_kernel);

}  // namespace wisp::ref
