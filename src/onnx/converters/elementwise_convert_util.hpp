// Helpers shared by the elementwise ops' ONNX converters.
#pragma once
#include <limits>
#include <string>
#include <type_traits>

#include "core/status.hpp"
#include "onnx/onnx_converters.hpp"

namespace wisp {

// A rank-0 constant of type t (f32 when t is not a numeric type) holding v.
inline Value* scalar_constant(ConvertContext& ctx, DType t, double v, const std::string& hint) {
  if (!(dtype_is_float(t) || dtype_is_integer(t)) || dtype_size(t) == 0) t = DType::kF32;
  Tensor tensor(t, Shape{});
  dispatch_dtype(t, "constant", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
      *tensor.as<T>() = T(static_cast<float>(v));
    else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)  // saturate (-FLT_MAX...)
      *tensor.as<T>() = v <= static_cast<double>(std::numeric_limits<T>::lowest()) ? std::numeric_limits<T>::lowest()
                        : v >= static_cast<double>(std::numeric_limits<T>::max())  ? std::numeric_limits<T>::max()
                                                                                   : static_cast<T>(v);
    else
      *tensor.as<T>() = static_cast<T>(v);
  });
  return ctx.const_tensor(std::move(tensor), hint);
}

// The rank of a value's declared or inferred shape, or -1 when unknown.
inline int known_rank(const Value* v) { return v && v->shape ? static_cast<int>(v->shape->size()) : -1; }

}  // namespace wisp

namespace wisp {

inline int value_rank(const Value* v) { return v && v->is_constant() ? v->constant->shape().rank() : known_rank(v); }

// Returns `v` with trailing size-1 dims added up to `rank` (so that NumPy broadcasting
// aligns its dims where a legacy axis attribute put them): a reshaped copy of a
// constant, or an Unsqueeze node otherwise. `rank_v` is v's current rank.
inline Value* append_unit_dims(ConvertContext& ctx, Value* v, int rank_v, int rank, const std::string& hint) {
  if (rank_v >= rank) return v;
  if (v->is_constant()) {
    TensorView view = v->constant->view();
    view.shape.resize(rank, 1);
    return ctx.const_tensor(Tensor::copy_of(view), hint);
  }
  std::vector<int64_t> axes;
  for (int d = rank_v; d < rank; ++d) axes.push_back(d);
  Value* out = ctx.temp(hint);
  ctx.emit("Unsqueeze", {v, ctx.const_i64(axes, hint + "_axes")}, {out}, {}, "/" + hint);
  return out;
}

}  // namespace wisp
