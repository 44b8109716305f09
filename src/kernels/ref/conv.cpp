// Reference Conv: im2col + gemm per image and group (see conv.hpp), then the fused
// residual (input 3, if fused) and activation.
#include "kernels/ref/conv.hpp"

#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/gemm.hpp"

namespace wisp::ref {
namespace {

template <class T>
void conv_typed(const KernelArgs& a) {
  using Acc = acc_t<T>;
  const ConvParams& p = a.p<ConvParams>();
  const WindowGeometry& g = p.geo;
  const T* x = a.in[0]->as<const T>();
  const T* w = a.in[1]->as<const T>();
  const T* bias = a.has_in(2) ? a.in[2]->as<const T>() : nullptr;
  T* y = a.out[0]->as<T>();
  const int64_t cg = p.in_channels / p.group, mg = p.out_channels / p.group;
  const int64_t k = cg * g.kernel_size(), positions = g.out_size();
  Acc* col = static_cast<Acc*>(a.scratch);
  constexpr bool kSame = std::is_same_v<T, Acc>;
  Acc* acc_buf = col + conv_col_elems(p);  // 16-bit types only
  const bool pointwise = kSame && conv_is_pointwise(g);
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t grp = 0; grp < p.group; ++grp) {
      const T* xg = x + (n * p.in_channels + grp * cg) * g.in_size();
      const Acc* cols = col;
      if constexpr (kSame) {
        if (pointwise) cols = xg;
      }
      if (!pointwise) im2col(xg, cg, g, col, Acc(0), [](T v) { return static_cast<Acc>(v); });
      T* yg = y + (n * p.out_channels + grp * mg) * positions;
      Acc* out = nullptr;
      if constexpr (kSame) out = yg; else out = acc_buf;
      // The fused residual Add starts the sum with the bias (before the activation). Each
      // element of r is read just before the same element of Y is written, so Y may share
      // r's memory (the planner lets it when r dies here: Conv's inplace_input).
      const T* res = p.has_residual ? a.in[3]->as<const T>() + (n * p.out_channels + grp * mg) * positions : nullptr;
      for (int64_t m = 0; m < mg; ++m) {
        const Acc b0 = bias ? static_cast<Acc>(bias[grp * mg + m]) : Acc(0);
        Acc* orow = out + m * positions;
        if (res) {
          for (int64_t i = 0; i < positions; ++i) orow[i] = b0 + static_cast<Acc>(res[m * positions + i]);
        } else {
          for (int64_t i = 0; i < positions; ++i) orow[i] = b0;
        }
      }
      gemm_accumulate<Acc>(mg, positions, k, w + grp * mg * k, MatrixRef{k, 1}, cols, MatrixRef{positions, 1}, out,
                           positions);
      apply_epilogue(out, mg * positions, p.epilogue);
      if constexpr (!kSame)
        for (int64_t i = 0; i < mg * positions; ++i) yg[i] = static_cast<T>(out[i]);
    }
  }
}

void conv_kernel(const KernelArgs& a) {
  switch (a.in[0]->dtype) {
    case DType::kF32: return conv_typed<float>(a);
    case DType::kF64: return conv_typed<double>(a);
    case DType::kF16: return conv_typed<Float16>(a);
    case DType::kBF16: return conv_typed<BFloat16>(a);
    default: fail(ErrorCode::kUnsupported, "Conv: element type ", dtype_name(a.in[0]->dtype), " is not supported");
  }
}

}  // namespace

WISP_REGISTER_KERNEL("Conv", DType::kUndefined, Isa::kRef, conv_kernel);

}  // namespace wisp::ref
