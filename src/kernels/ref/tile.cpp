// Tile: out[i_0..i_n] = in[i_0 % d_0, ..., i_n % d_n].
#include "kernels/ref/tile.hpp"

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/data_movement.hpp"
#include "kernels/ref/shape_compute.hpp"

namespace wisp::ref {
namespace {

template <class U>
void tile(const U* src, const Shape& in, U* dst, const Shape& out) {
  const int rank = out.rank();
  const int64_t n = out.numel();
  if (n == 0) return;
  if (rank == 0) {
    dst[0] = src[0];
    return;
  }
  const Shape in_strides = strides_of(in);
  const int64_t inner_in = in[rank - 1], inner_out = out[rank - 1];
  int64_t idx[kMaxRank] = {};
  for (int64_t done = 0; done < n; done += inner_out) {
    int64_t base = 0;
    for (int d = 0; d < rank - 1; ++d) base += (idx[d] % in[d]) * in_strides[d];
    for (int64_t i = 0; i < inner_out; ++i) dst[i] = src[base + i % inner_in];
    dst += inner_out;
    for (int d = rank - 2; d >= 0; --d) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}

void tile_kernel(const KernelArgs& a) {
  const TensorView& in = *a.in[0];
  TensorView* out = a.out[0];
  if (a.p<TileParams>().dynamic) {
    const Shape s = with_label([&] { return kernel_label(a, "Tile"); }, [&] {
      Shape r = tile_shape(in.shape, *a.in[1]);
      check_output_bytes(r, in.dtype);
      return r;
    });
    out = &a.alloc_output(0, in.dtype, s);
  }
  dispatch_elem_size(in.dtype, "Tile", [&](auto tag) {
    using U = decltype(tag);
    tile(in.as<const U>(), in.shape, out->as<U>(), out->shape);
  });
}

}  // namespace

WISP_REGISTER_KERNEL("Tile", DType::kUndefined, Isa::kRef, tile_kernel);

}  // namespace wisp::ref
