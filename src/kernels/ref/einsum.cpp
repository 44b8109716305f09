// Reference Einsum: a nested loop over output labels, then summed labels (einsum.hpp).
#include "kernels/ref/einsum.hpp"

#include <type_traits>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

template <class T>
void einsum_typed(const KernelArgs& a) {
  using Acc = std::conditional_t<std::is_integral_v<T>, T, double>;
  const EinsumParams& p = a.p<EinsumParams>();
  const T* in[kEinsumMaxInputs] = {};
  for (int i = 0; i < p.num_inputs; ++i) in[i] = a.in[i]->as<const T>();
  T* y = a.out[0]->as<T>();
  int64_t out_count = 1, sum_count = 1;
  for (int l = 0; l < p.num_out; ++l) out_count *= p.size[l];
  for (int l = p.num_out; l < p.num_labels; ++l) sum_count *= p.size[l];
  int64_t idx[kEinsumMaxLabels] = {};
  for (int64_t o = 0; o < out_count; ++o) {
    Acc acc = 0;
    for (int l = p.num_out; l < p.num_labels; ++l) idx[l] = 0;
    for (int64_t s = 0; s < sum_count; ++s) {
      Acc prod = 1;
      for (int i = 0; i < p.num_inputs; ++i) {
        int64_t off = 0;
        for (int l = 0; l < p.num_labels; ++l) off += idx[l] * p.stride[i][l];
        prod *= static_cast<Acc>(in[i][off]);
      }
      acc += prod;
      for (int l = p.num_labels - 1; l >= p.num_out; --l) {
        if (++idx[l] < p.size[l]) break;
        idx[l] = 0;
      }
    }
    y[o] = static_cast<T>(acc);
    for (int l = p.num_out - 1; l >= 0; --l) {
      if (++idx[l] < p.size[l]) break;
      idx[l] = 0;
    }
  }
}

void einsum_kernel(const KernelArgs& a) {
  switch (a.in[0]->dtype) {
    case DType::kF32: return einsum_typed<float>(a);
    case DType::kF64: return einsum_typed<double>(a);
    case DType::kF16: return einsum_typed<Float16>(a);
    case DType::kBF16: return einsum_typed<BFloat16>(a);
    case DType::kI32: return einsum_typed<int32_t>(a);
    case DType::kI64: return einsum_typed<int64_t>(a);
    case DType::kU32: return einsum_typed<uint32_t>(a);
    case DType::kU64: return einsum_typed<uint64_t>(a);
    default: fail(ErrorCode::kUnsupported, "Einsum: type ", dtype_name(a.in[0]->dtype), " is not supported");
  }
}

}  // namespace

WISP_REGISTER_KERNEL("Einsum", DType::kUndefined, Isa::kRef, einsum_kernel);

}  // namespace wisp::ref
