// Entry points of the integer graph's elementwise x86 kernels: QLinearAdd (AVX2, AVX-512;
// same-shape inputs, else the reference) and per-tensor QuantizeLinear / DequantizeLinear
// (AVX-512; per-axis and other types go to the reference). The loops are in the ISA files
// (q8_elementwise.hpp); work is split into static chunks of 64 elements per thread, so any
// thread count gives the same bytes.
#include <algorithm>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/qadd.hpp"
#include "kernels/ref/quantize.hpp"
#include "kernels/x86/q8_elementwise.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {
namespace {

template <class Fn>
void in_chunks(ThreadPool* pool, int64_t n, Fn&& fn) {
  parallel_for(pool, (n + 63) / 64, [&](int64_t l0, int64_t l1) {
    const int64_t j0 = l0 * 64, j1 = std::min(n, l1 * 64);
    if (j1 > j0) fn(j0, j1 - j0);
  });
}

template <Isa kIsa>
void qlinear_add_kernel(const KernelArgs& args) {
  static const KernelFn reference = find_kernel("com.microsoft", "QLinearAdd", DType::kUndefined, Isa::kRef);
  const int64_t n = args.out[0]->numel();
  if (args.in[0]->numel() != n || args.in[3]->numel() != n) return reference(args);
  const ref::QAddParams& p = args.p<ref::QAddParams>();
  const uint8_t flip = args.in[0]->dtype == DType::kI8 ? 0x80 : 0;
  const auto* a = args.in[0]->as<const uint8_t>();
  const auto* b = args.in[3]->as<const uint8_t>();
  auto* y = args.out[0]->as<uint8_t>();
  in_chunks(args.pool, n, [&](int64_t j, int64_t len) {
    if constexpr (kIsa == Isa::kAvx512) qadd_q8_avx512(a + j, b + j, y + j, len, p, flip);
    else qadd_q8_avx2(a + j, b + j, y + j, len, p, flip);
  });
}

bool per_tensor(const KernelArgs& a) {
  const auto& p = a.p<ref::QuantizeLinearParams>();
  return !p.per_axis && a.in[1]->dtype == DType::kF32 && a.in[1]->numel() == 1 &&
         (!a.has_in(2) || a.in[2]->numel() == 1);
}

int32_t zero_point(const KernelArgs& a) {
  if (!a.has_in(2)) return 0;
  return a.in[2]->dtype == DType::kI8 ? a.in[2]->as<const int8_t>()[0] : a.in[2]->as<const uint8_t>()[0];
}

void quantize_kernel(const KernelArgs& a) {
  static const KernelFn reference = find_kernel("", "QuantizeLinear", DType::kUndefined, Isa::kRef);
  const DType out = a.out[0]->dtype;
  if (!per_tensor(a) || (out != DType::kU8 && out != DType::kI8)) return reference(a);
  const float scale = a.in[1]->as<const float>()[0];
  const int32_t zp = zero_point(a);
  const float* x = a.in[0]->as<const float>();
  uint8_t* y = a.out[0]->as<uint8_t>();
  in_chunks(a.pool, a.in[0]->numel(), [&](int64_t j, int64_t len) {
    quantize_f32_q8_avx512(x + j, y + j, len, scale, zp, out == DType::kI8);
  });
}

void dequantize_kernel(const KernelArgs& a) {
  static const KernelFn reference = find_kernel("", "DequantizeLinear", DType::kUndefined, Isa::kRef);
  if (!per_tensor(a) || a.out[0]->dtype != DType::kF32) return reference(a);
  const float scale = a.in[1]->as<const float>()[0];
  const int32_t zp = zero_point(a);
  const uint8_t* x = a.in[0]->as<const uint8_t>();
  float* y = a.out[0]->as<float>();
  const bool s8 = a.in[0]->dtype == DType::kI8;
  in_chunks(a.pool, a.in[0]->numel(), [&](int64_t j, int64_t len) {
    dequantize_q8_f32_avx512(x + j, y + j, len, scale, zp, s8);
  });
}

}  // namespace

WISP_REGISTER_KERNEL("QLinearAdd", DType::kU8, Isa::kAvx2, qlinear_add_kernel<Isa::kAvx2>, "com.microsoft");
WISP_REGISTER_KERNEL("QLinearAdd", DType::kI8, Isa::kAvx2, qlinear_add_kernel<Isa::kAvx2>, "com.microsoft");
WISP_REGISTER_KERNEL("QLinearAdd", DType::kU8, Isa::kAvx512, qlinear_add_kernel<Isa::kAvx512>, "com.microsoft");
WISP_REGISTER_KERNEL("QLinearAdd", DType::kI8, Isa::kAvx512, qlinear_add_kernel<Isa::kAvx512>, "com.microsoft");
WISP_REGISTER_KERNEL("QuantizeLinear", DType::kF32, Isa::kAvx512, quantize_kernel);
WISP_REGISTER_KERNEL("DequantizeLinear", DType::kU8, Isa::kAvx512, dequantize_kernel);
WISP_REGISTER_KERNEL("DequantizeLinear", DType::kI8, Isa::kAvx512, dequantize_kernel);

}  // namespace wisp::x86
