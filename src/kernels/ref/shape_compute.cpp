#include "kernels/ref/shape_compute.hpp"

namespace wisp::ref {

SmallInts read_small_ints(const TensorView& t, const char* what, int cap) {
  WISP_CHECK(dtype_is_integer(t.dtype), ErrorCode::kInvalidModel, what, " must be an integer tensor, got ",
             dtype_name(t.dtype));
  WISP_CHECK(t.shape.rank() <= 1, ErrorCode::kInvalidModel, what, " must be 1-D, got shape ", t.shape.str());
  const int64_t n = t.numel();
  WISP_CHECK(n <= cap && n <= 16, ErrorCode::kUnsupported, what, " has ", n, " values; at most ", cap,
             " are supported");
  SmallInts out;
  out.n = static_cast<int>(n);
  for (int i = 0; i < out.n; ++i) out.v[i] = read_index(t, i);
  return out;
}

void check_output_bytes(const Shape& s, DType t) {
  for (int64_t d : s) WISP_CHECK(d >= 0, ErrorCode::kInvalidModel, "negative dimension in output shape ", s.str());
  const int64_t bytes = checked_mul(s.numel(), dtype_size(t) > 0 ? dtype_size(t) : 1, "output byte size");
  WISP_CHECK(bytes <= kMaxTensorBytes, ErrorCode::kResourceExhausted, "output of shape ", s.str(), " needs ", bytes,
             " bytes, above the limit of ", kMaxTensorBytes);
}

Shape reshape_shape(const Shape& in, const TensorView& shape, bool allowzero) {
  const SmallInts dims = read_small_ints(shape, "shape", kMaxRank);
  Shape out;
  int infer_at = -1;
  int64_t known = 1;
  for (int i = 0; i < dims.n; ++i) {
    int64_t d = dims.v[i];
    if (d == 0 && !allowzero) {
      WISP_CHECK(i < in.rank(), ErrorCode::kInvalidModel, "shape[", i, "] = 0 copies input dim ", i,
                 " but the input ", in.str(), " has rank ", in.rank());
      d = in[i];
    }
    if (d == -1) {
      WISP_CHECK(infer_at < 0, ErrorCode::kInvalidModel, "shape has more than one -1");
      infer_at = i;
      out.push_back(1);
      continue;
    }
    WISP_CHECK(d >= 0, ErrorCode::kInvalidModel, "shape[", i, "] = ", d, " is invalid");
    known = checked_mul(known, d, "reshape size");
    out.push_back(d);
  }
  const int64_t total = in.numel();
  if (infer_at >= 0) {
    WISP_CHECK(known != 0 && total % known == 0, ErrorCode::kInvalidModel, "cannot reshape ", in.str(),
               " (", total, " elements) with a -1 in shape: the other dims multiply to ", known);
    out[infer_at] = total / known;
  }
  WISP_CHECK(out.numel() == total, ErrorCode::kInvalidModel, "cannot reshape ", in.str(), " (", total,
             " elements) to ", out.str(), " (", out.numel(), " elements)");
  return out;
}

Shape squeeze_shape(const Shape& in, const TensorView* axes) {
  bool drop[kMaxRank] = {};
  if (axes && axes->numel() > 0) {  // empty axes, like none, squeezes every 1-dim (as ORT does)
    const SmallInts ax = read_small_ints(*axes, "axes", kMaxRank);
    for (int i = 0; i < ax.n; ++i) {
      const int a = Shape::normalize_axis(ax.v[i], in.rank(), "axes value");
      WISP_CHECK(in[a] == 1, ErrorCode::kInvalidModel, "cannot squeeze axis ", ax.v[i], " of shape ", in.str(),
                 ": its size is ", in[a], ", not 1");
      drop[a] = true;
    }
  } else {
    for (int i = 0; i < in.rank(); ++i) drop[i] = in[i] == 1;
  }
  Shape out;
  for (int i = 0; i < in.rank(); ++i)
    if (!drop[i]) out.push_back(in[i]);
  return out;
}

Shape unsqueeze_shape(const Shape& in, const TensorView& axes) {
  const SmallInts ax = read_small_ints(axes, "axes", kMaxRank);
  const int out_rank = in.rank() + ax.n;
  WISP_CHECK(out_rank <= kMaxRank, ErrorCode::kUnsupported, "output rank ", out_rank, " is above ", kMaxRank);
  bool ins[kMaxRank] = {};
  for (int i = 0; i < ax.n; ++i) {
    const int a = Shape::normalize_axis(ax.v[i], out_rank, "axes value");
    WISP_CHECK(!ins[a], ErrorCode::kInvalidModel, "axes has axis ", ax.v[i], " twice");
    ins[a] = true;
  }
  Shape out;
  int k = 0;
  for (int i = 0; i < out_rank; ++i) out.push_back(ins[i] ? 1 : in[k++]);
  return out;
}

Shape expand_shape(const Shape& in, const TensorView& shape) {
  const SmallInts dims = read_small_ints(shape, "shape", kMaxRank);
  Shape target;
  for (int i = 0; i < dims.n; ++i) {
    WISP_CHECK(dims.v[i] >= 0, ErrorCode::kInvalidModel, "shape[", i, "] = ", dims.v[i], " is negative");
    target.push_back(dims.v[i]);
  }
  return broadcast_shapes(in, target, "Expand");
}

Shape tile_shape(const Shape& in, const TensorView& repeats) {
  const SmallInts r = read_small_ints(repeats, "repeats", kMaxRank);
  WISP_CHECK(r.n == in.rank(), ErrorCode::kInvalidModel, "repeats has ", r.n, " values but the input has rank ",
             in.rank());
  Shape out;
  for (int i = 0; i < r.n; ++i) {
    WISP_CHECK(r.v[i] >= 0, ErrorCode::kInvalidModel, "repeats[", i, "] = ", r.v[i], " is negative");
    out.push_back(checked_mul(in[i], r.v[i], "tiled dim"));
  }
  return out;
}

Shape shape_from_values(const TensorView& shape, const char* what) {
  const SmallInts dims = read_small_ints(shape, what, kMaxRank);
  Shape out;
  for (int i = 0; i < dims.n; ++i) {
    WISP_CHECK(dims.v[i] >= 0, ErrorCode::kInvalidModel, what, "[", i, "] = ", dims.v[i], " is negative");
    out.push_back(dims.v[i]);
  }
  return out;
}

}  // namespace wisp::ref
