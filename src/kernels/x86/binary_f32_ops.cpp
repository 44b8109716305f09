// Add, Sub, Mul, Div, Max, Min (two inputs) and Pow(x, 2 or 0.5) on float32 for AVX2 and AVX-512
// (binary_f32_driver.hpp). Built without ISA flags: it builds the broadcast plan and sends
// what it does not cover (Max/Min/Sum with other input counts, other exponents, a
// non-float exponent) to the reference kernels.
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/binary.hpp"
#include "kernels/x86/eltwise_f32.hpp"

namespace wisp::x86 {

BinaryF32Plan plan_binary_f32(const Shape& a, const Shape& b, const Shape& out) {
  const int rank = out.rank();
  int64_t sa[kMaxRank] = {}, sb[kMaxRank] = {};
  auto strides = [rank](const Shape& s, int64_t* st) {  // aligned right; 0 where s broadcasts
    int64_t acc = 1;
    for (int d = rank - 1; d >= 0; --d) {
      const int k = d - (rank - s.rank());
      const int64_t dim = k >= 0 ? s[k] : 1;
      st[d] = dim == 1 ? 0 : acc;
      acc *= dim;
    }
  };
  strides(a, sa);
  strides(b, sb);
  BinaryF32Plan p;
  for (int d = 0; d < rank; ++d) {
    if (out[d] == 1) continue;  // contributes nothing to any offset
    const int last = p.rank - 1;
    // Merge into the previous kept dim when both inputs walk the two as one.
    if (p.rank > 0 && p.a_strides[last] == sa[d] * out[d] && p.b_strides[last] == sb[d] * out[d]) {
      p.dims[last] *= out[d];
      p.a_strides[last] = sa[d];
      p.b_strides[last] = sb[d];
      continue;
    }
    p.dims[p.rank] = out[d];
    p.a_strides[p.rank] = sa[d];
    p.b_strides[p.rank] = sb[d];
    ++p.rank;
  }
  if (p.rank == 0) {  // a single element
    p.rank = 1;
    p.dims[0] = 1;
  }
  return p;
}

namespace {

template <Isa kIsa>
void run_binary(const KernelArgs& args, BinaryF32 op, const TensorView& a, const TensorView& b) {
  TensorView& y = *args.out[0];
  const int64_t n = y.numel();
  if (n == 0) return;
  const BinaryF32Plan plan = plan_binary_f32(a.shape, b.shape, y.shape);
  const BinaryF32Fn fn = kIsa == Isa::kAvx512 ? &binary_f32_avx512 : &binary_f32_avx2;
  fn(op, plan, a.as<const float>(), b.as<const float>(), y.as<float>(), eltwise_pool(args, n));
}

template <Isa kIsa>
void binary_f32_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::BinaryParams>();
  BinaryF32 op = BinaryF32::kAdd;
  switch (p.op) {
    case ref::BinOp::kAdd: op = BinaryF32::kAdd; break;
    case ref::BinOp::kSub: op = BinaryF32::kSub; break;
    case ref::BinOp::kMul: op = BinaryF32::kMul; break;
    case ref::BinOp::kDiv: op = BinaryF32::kDiv; break;
    case ref::BinOp::kPow: {
      const TensorView& e = *args.in[1];
      // pow in double rounded to float equals a * a, and sqrt (a double-rounded square root
      // of a float is the float square root), for these two exponents.
      const float exponent = e.dtype == DType::kF32 && e.numel() == 1 ? e.as<const float>()[0] : 0.0f;
      if (exponent == 2.0f || exponent == 0.5f) {
        op = exponent == 2.0f ? BinaryF32::kSquare : BinaryF32::kSqrt;
        break;
      }
      [[fallthrough]];
    }
    default: {
      static const KernelFn reference = find_kernel("", "Add", DType::kF32, Isa::kRef);  // serves every binary op
      return reference(args);
    }
  }
  run_binary<kIsa>(args, op, *args.in[0], *args.in[1]);
}

template <Isa kIsa>
void min_max_f32_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::BinaryParams>();
  const bool two = args.in.size() == 2 && args.has_in(0) && args.has_in(1);
  if (!two || (p.op != ref::BinOp::kMax && p.op != ref::BinOp::kMin) || p.mean) {
    static const KernelFn reference = find_kernel("", "Max", DType::kF32, Isa::kRef);  // serves Min/Max/Sum/Mean
    return reference(args);
  }
  run_binary<kIsa>(args, p.op == ref::BinOp::kMax ? BinaryF32::kMax : BinaryF32::kMin, *args.in[0], *args.in[1]);
}

}  // namespace

#define WISP_X86_BINARY(op, kernel)                                         \
  WISP_REGISTER_KERNEL(op, DType::kF32, Isa::kAvx2, kernel<Isa::kAvx2>); \
  WISP_REGISTER_KERNEL(op, DType::kF32, Isa::kAvx512, kernel<Isa::kAvx512>)
WISP_X86_BINARY("Add", binary_f32_kernel);
WISP_X86_BINARY("Sub", binary_f32_kernel);
WISP_X86_BINARY("Mul", binary_f32_kernel);
WISP_X86_BINARY("Div", binary_f32_kernel);
WISP_X86_BINARY("Pow", binary_f32_kernel);
WISP_X86_BINARY("Max", min_max_f32_kernel);
WISP_X86_BINARY("Min", min_max_f32_kernel);
#undef WISP_X86_BINARY

}  // namespace wisp::x86
