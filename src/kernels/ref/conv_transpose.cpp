// Reference ConvTranspose: per image and group, col = W_g^T x X_g (gemm), then col2im
// adds each column into the output image (conv.hpp).
#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/ref/gemm.hpp"

namespace wisp::ref {
namespace {

template <class T>
void conv_transpose_typed(const KernelArgs& a) {
  using Acc = acc_t<T>;
  const ConvParams& p = a.p<ConvParams>();
  // col2im sees the image (our output) as `in` and the columns (our input) as `out`.
  WindowGeometry g = p.geo;
  for (int d = 0; d < kMaxWindowDims; ++d) std::swap(g.in[d], g.out[d]);
  const T* x = a.in[0]->as<const T>();
  const T* w = a.in[1]->as<const T>();
  const T* bias = p.has_bias ? a.in[2]->as<const T>() : nullptr;
  T* y = a.out[0]->as<T>();
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  const int64_t rows = mg * g.kernel_size(), in_pos = g.out_size(), out_pos = g.in_size();
  Acc* col = static_cast<Acc*>(a.scratch);
  Acc* image_buf = col + rows * in_pos;  // 16-bit types only
  for (int64_t n = 0; n < p.batch; ++n)
    for (int64_t grp = 0; grp < p.group; ++grp) {
      for (int64_t i = 0; i < rows * in_pos; ++i) col[i] = Acc(0);
      const T* xg = x + (n * p.in_channels + grp * cg) * in_pos;
      gemm_accumulate<Acc>(rows, in_pos, cg, w + grp * cg * rows, MatrixRef{1, rows}, xg, MatrixRef{in_pos, 1}, col,
                           in_pos);
      T* yg = y + (n * p.out_channels + grp * mg) * out_pos;
      Acc* image = nullptr;
      if constexpr (std::is_same_v<T, Acc>) image = yg; else image = image_buf;
      for (int64_t m = 0; m < mg; ++m) {
        const Acc b0 = bias ? static_cast<Acc>(bias[grp * mg + m]) : Acc(0);
        for (int64_t i = 0; i < out_pos; ++i) image[m * out_pos + i] = b0;
      }
      col2im_add(col, mg, g, image);
      if constexpr (!std::is_same_v<T, Acc>)
        for (int64_t i = 0; i < mg * out_pos; ++i) yg[i] = static_cast<T>(image[i]);
    }
}

void conv_transpose_kernel(const KernelArgs& a) {
  switch (a.in[0]->dtype) {
    case DType::kF32: return conv_transpose_typed<float>(a);
    case DType::kF64: return conv_transpose_typed<double>(a);
    case DType::kF16: return conv_transpose_typed<Float16>(a);
    case DType::kBF16: return conv_transpose_typed<BFloat16>(a);
    default: fail(ErrorCode::kUnsupported, "ConvTranspose: type ", dtype_name(a.in[0]->dtype), " is not supported");
  }
}

}  // namespace

WISP_REGISTER_KERNEL("ConvTranspose", DType::kUndefined, Isa::kRef, conv_transpose_kernel);

}  // namespace wisp::ref
