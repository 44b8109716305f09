// Conv family params and the im2col / col2im helpers shared by Conv, ConvInteger,
// QLinearConv and ConvTranspose.
//
// Conv is computed per image and per group as one matrix product:
//   out_g[M/G, P] = W_g[M/G, C/G*K] x col[C/G*K, P]
// where P is the number of output positions, K the kernel size, and col the "im2col"
// matrix: row (c, kd, kh, kw), column (od, oh, ow) holds the input element under that
// kernel tap at that output position (0 in the padding). ConvTranspose is the adjoint:
// col = W_g^T x in_g, then col2im adds every column back into the output image.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>

#include "kernels/ref/conv_geometry.hpp"
#include "kernels/ref/epilogue.hpp"

namespace wisp {
struct PackedWeights;
}

namespace wisp::ref {

struct ConvParams {
  WindowGeometry geo;
  int64_t batch = 1, in_channels = 1, out_channels = 1, group = 1;
  bool has_bias = false;
  bool per_channel_w = false;  // integer ops: one weight zero point/scale per output channel
  Epilogue epilogue;           // Conv only: fused activation, applied after the bias
  // Conv only: input 3 is a residual of Y's shape, added after the bias and before the
  // activation (set by passes/fuse_residual_add.cpp; not an ONNX input).
  bool has_residual = false;
  // W is a constant at prepare: an optimized kernel may pack it once into packed_w.
  bool w_constant = false;
  mutable std::shared_ptr<PackedWeights> packed_w;
};

// Tiling of the x86 float32 Conv (kernels/x86/gemm_f32_conv_driver.hpp), here so that the
// op's infer can size its scratch: KC rows of K x TileP output positions per packed block,
// one block per thread slot. When the session picks kernels for AVX2/AVX-512
// (InferContext::kernel_isa) the scratch is one slot per session thread (at most
// kConvSlots) and no im2col matrix;
// otherwise the reference kernel's im2col. The x86 kernel uses as many slots as fit, at
// most kConvSlots, and no more threads than slots.
inline constexpr int64_t kConvTileK = 256, kConvTileP = 128, kConvSlots = 16;

// Floats of one thread slot of the x86 float32 Conv for these params.
inline int64_t conv_tiled_slot_floats(int64_t k, int64_t positions) {
  return std::min(k, kConvTileK) * std::min(kConvTileP, (positions + 31) / 32 * 32);
}

// Scratch elements (of the accumulator type) a Conv needs: the im2col matrix of one group.
inline int64_t conv_col_elems(const ConvParams& p) {
  return p.in_channels / p.group * p.geo.kernel_size() * p.geo.out_size();
}

// Weight elements per output channel: C/group * kernel size.
inline int64_t ws_per_out(const ConvParams& p) { return p.in_channels / p.group * p.geo.kernel_size(); }

// A 1x1 kernel with stride 1 and no padding: the input planes already are the columns.
inline bool conv_is_pointwise(const WindowGeometry& g) {
  for (int d = 0; d < kMaxWindowDims; ++d)
    if (g.kernel[d] != 1 || g.stride[d] != 1 || g.pad_begin[d] != 0 || g.pad_end[d] != 0) return false;
  return true;
}

// load(x) converts an input element to the column type (e.g. subtracts a zero point);
// padding positions get `pad_value`.
template <class T, class C, class Load>
void im2col(const T* x, int64_t channels, const WindowGeometry& g, C* col, C pad_value, Load load) {
  const int64_t in_hw = g.in[1] * g.in[2];
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * g.in_size();
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
          for (int64_t od = 0; od < g.out[0]; ++od) {
            const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
            for (int64_t oh = 0; oh < g.out[1]; ++oh) {
              const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
              const bool row_ok = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
              const T* xrow = row_ok ? xc + id * in_hw + ih * g.in[2] : xc;
              int64_t iw = -g.pad_begin[2] + kw * g.dilation[2];
              for (int64_t ow = 0; ow < g.out[2]; ++ow, iw += g.stride[2])
                *col++ = (row_ok && iw >= 0 && iw < g.in[2]) ? load(xrow[iw]) : pad_value;
            }
          }
        }
  }
}

// Adds the columns back into `channels` image planes (ConvTranspose). Here `g.in` is the
// ConvTranspose *output* size (the image) and `g.out` its input size (the columns).
template <class C>
void col2im_add(const C* col, int64_t channels, const WindowGeometry& g, C* image) {
  const int64_t img_hw = g.in[1] * g.in[2];
  for (int64_t c = 0; c < channels; ++c) {
    C* ic = image + c * g.in_size();
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < g.kernel[2]; ++kw)
          for (int64_t od = 0; od < g.out[0]; ++od) {
            const int64_t id = od * g.stride[0] - g.pad_begin[0] + kd * g.dilation[0];
            for (int64_t oh = 0; oh < g.out[1]; ++oh) {
              const int64_t ih = oh * g.stride[1] - g.pad_begin[1] + kh * g.dilation[1];
              const bool row_ok = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
              C* irow = row_ok ? ic + id * img_hw + ih * g.in[2] : ic;
              int64_t iw = -g.pad_begin[2] + kw * g.dilation[2];
              for (int64_t ow = 0; ow < g.out[2]; ++ow, iw += g.stride[2], ++col)
                if (row_ok && iw >= 0 && iw < g.in[2]) irow[iw] += *col;
            }
          }
  }
}

}  // namespace wisp::ref
