#include "kernels/ref/reduce.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/copy.hpp"

namespace wisp::ref {
namespace {

template <class T>
constexpr bool kIsFloat = std::is_floating_point_v<T> || std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

// Floats accumulate in double, integers in 64 bits of their signedness.
template <class T>
using Acc = std::conditional_t<kIsFloat<T>, double, std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <class T>
double to_double(T v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) return static_cast<float>(v);
  else return static_cast<double>(v);
}

template <class T, class A>
T from_acc(A v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) return T(static_cast<float>(v));
  else return static_cast<T>(v);
}

// Folds one output element. `at(r)` reads the r-th element of its reduced sub-space.
template <class T, class At>
T reduce_one(ReduceKind kind, int64_t n, At at) {
  using A = Acc<T>;
  switch (kind) {
    case ReduceKind::kSum: case ReduceKind::kMean: {
      A s = 0;
      for (int64_t r = 0; r < n; ++r) s += static_cast<A>(to_double(at(r)));
      if (kind == ReduceKind::kSum) return from_acc<T>(s);
      if constexpr (kIsFloat<T>) return from_acc<T>(n == 0 ? std::numeric_limits<double>::quiet_NaN() : s / static_cast<A>(n));
      else return from_acc<T>(n == 0 ? A{0} : static_cast<A>(s / static_cast<A>(n)));
    }
    case ReduceKind::kSumSquare: {
      A s = 0;
      for (int64_t r = 0; r < n; ++r) { A v = static_cast<A>(to_double(at(r))); s += v * v; }
      return from_acc<T>(s);
    }
    case ReduceKind::kProd: {
      A s = 1;
      for (int64_t r = 0; r < n; ++r) s *= static_cast<A>(to_double(at(r)));
      return from_acc<T>(s);
    }
    case ReduceKind::kL1: {
      A s = 0;
      for (int64_t r = 0; r < n; ++r) {
        A v = static_cast<A>(to_double(at(r)));
        if constexpr (std::is_signed_v<A>) s += v < 0 ? -v : v; else s += v;
      }
      return from_acc<T>(s);
    }
    case ReduceKind::kL2: {
      double s = 0;
      for (int64_t r = 0; r < n; ++r) { double v = to_double(at(r)); s += v * v; }
      return from_acc<T>(std::sqrt(s));
    }
    case ReduceKind::kLogSum: {
      double s = 0;
      for (int64_t r = 0; r < n; ++r) s += to_double(at(r));
      return from_acc<T>(std::log(s));
    }
    case ReduceKind::kLogSumExp: {
      // Subtract the max so exp() cannot overflow; empty or all -inf gives -inf.
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t r = 0; r < n; ++r) m = std::fmax(m, to_double(at(r)));
      if (std::isinf(m)) return from_acc<T>(m);
      double s = 0;
      for (int64_t r = 0; r < n; ++r) s += std::exp(to_double(at(r)) - m);
      return from_acc<T>(m + std::log(s));
    }
    case ReduceKind::kMax: case ReduceKind::kMin: {
      const bool is_max = kind == ReduceKind::kMax;
      // Empty set: the identity of max/min (-inf/+inf for floats, the type's limits otherwise).
      if constexpr (!kIsFloat<T>) {
        if (n == 0) return is_max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
        T b = at(0);
        for (int64_t r = 1; r < n; ++r) { T v = at(r); if (is_max ? v > b : v < b) b = v; }
        return b;
      } else {
        double best = is_max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
        for (int64_t r = 0; r < n; ++r) {
          double v = to_double(at(r));
          if (std::isnan(v)) return from_acc<T>(v);  // NaN propagates, as in NumPy
          if (is_max ? v > best : v < best) best = v;
        }
        return from_acc<T>(best);
      }
    }
  }
  return T{};
}

template <class T>
void reduce_typed(const TensorView& in, TensorView& out, const ReduceParams& p) {
  const T* x = in.as<T>();
  T* y = out.as<T>();
  const int64_t outs = p.kept.numel(), n = p.reduced.numel();
  for (int64_t o = 0; o < outs; ++o) {
    const int64_t base = p.kept.offset(o);
    y[o] = reduce_one<T>(p.kind, n, [&](int64_t r) { return x[base + p.reduced.offset(r)]; });
  }
}

void reduce_kernel(const KernelArgs& a) { reduce(*a.in[0], *a.out[0], a.p<ReduceParams>()); }

template <class T>
void arg_reduce_typed(const TensorView& in, TensorView& out, const ArgReduceParams& p) {
  const T* x = in.as<T>();
  int64_t* y = out.as<int64_t>();
  for (int64_t o = 0; o < p.outer; ++o) {
    for (int64_t i = 0; i < p.inner; ++i) {
      const T* row = x + o * p.axis_dim * p.inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < p.axis_dim; ++k) {
        const auto v = to_double(row[k * p.inner]), b = to_double(row[best * p.inner]);
        const bool better = p.is_max ? v > b : v < b;
        if (better || (p.select_last_index && v == b)) best = k;
      }
      y[o * p.inner + i] = best;
    }
  }
}

void arg_reduce_kernel(const KernelArgs& a) { arg_reduce(*a.in[0], *a.out[0], a.p<ArgReduceParams>()); }

}  // namespace

void split_axes(const Shape& in, const bool* reduce_axis, AxisSet& kept, AxisSet& reduced) {
  const Shape strides = strides_of(in);
  kept = {};
  reduced = {};
  for (int i = 0; i < in.rank(); ++i) {
    AxisSet& s = reduce_axis[i] ? reduced : kept;
    s.dims[s.count] = in[i];
    s.strides[s.count] = strides[i];
    ++s.count;
  }
}

void reduce(const TensorView& in, TensorView& out, const ReduceParams& p) {
  if (p.noop) return copy_bytes(in, out);
  dispatch_dtype(in.dtype, "Reduce", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) fail(ErrorCode::kUnsupported, "Reduce: bool input is not supported");
    else reduce_typed<T>(in, out, p);
  });
}

void arg_reduce(const TensorView& in, TensorView& out, const ArgReduceParams& p) {
  dispatch_dtype(in.dtype, "ArgMax/ArgMin", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) fail(ErrorCode::kUnsupported, "ArgMax/ArgMin: bool input is not supported");
    else arg_reduce_typed<T>(in, out, p);
  });
}

WISP_REGISTER_KERNEL("ReduceSum", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceSumSquare", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceMean", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceMax", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceMin", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceProd", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceL1", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceL2", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceLogSum", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ReduceLogSumExp", DType::kUndefined, Isa::kRef, reduce_kernel);
WISP_REGISTER_KERNEL("ArgMax", DType::kUndefined, Isa::kRef, arg_reduce_kernel);
WISP_REGISTER_KERNEL("ArgMin", DType::kUndefined, Isa::kRef, arg_reduce_kernel);

}  // namespace wisp::ref
