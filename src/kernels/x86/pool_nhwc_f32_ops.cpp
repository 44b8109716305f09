// NhwcMaxPool, NhwcAveragePool, NhwcGlobalAveragePool (com.wisp, float32) on x86,
// registered for AVX2 and AVX-512 (kernels in pool_nhwc_f32_driver.hpp). This file has no
// ISA flags: it reads the params, sends what the fast kernels do not take to the
// reference NHWC kernels (windows that are not 2-D, a second output), and dispatches.
#include "kernels/kernel_registry.hpp"
#include "kernels/ref/pool.hpp"
#include "kernels/x86/pool_nhwc_f32.hpp"

namespace wisp::x86 {
namespace {

bool window_2d(const ref::WindowGeometry& g) { return g.in[0] == 1 && g.out[0] == 1 && g.kernel[0] == 1; }

template <Isa kIsa, bool kMax>
void nhwc_window_pool_f32_kernel(const KernelArgs& args) {
  const ref::PoolParams& p = args.p<ref::PoolParams>();
  static const KernelFn reference =
      find_kernel("com.wisp", kMax ? "NhwcMaxPool" : "NhwcAveragePool", DType::kF32, Isa::kRef);
  if (!window_2d(p.geo) || args.has_out(1)) return reference(args);
  NhwcPoolF32Args a;
  a.p = &p;
  a.x = args.in[0]->as<const float>();
  a.y = args.out[0]->as<float>();
  a.channels = p.channels;
  a.pool = args.pool;
  if constexpr (kIsa == Isa::kAvx512) {
    if constexpr (kMax) nhwc_max_pool_f32_avx512(a);
    else nhwc_average_pool_f32_avx512(a);
  } else {
    if constexpr (kMax) nhwc_max_pool_f32_avx2(a);
    else nhwc_average_pool_f32_avx2(a);
  }
}

template <Isa kIsa>
void nhwc_global_average_pool_f32_kernel(const KernelArgs& args) {
  const ref::GlobalPoolParams& p = args.p<ref::GlobalPoolParams>();
  NhwcGlobalPoolF32Args a;
  a.x = args.in[0]->as<const float>();
  a.y = args.out[0]->as<float>();
  a.images = p.planes;
  a.positions = p.plane_size;
  a.channels = p.channels;
  a.pool = args.pool;
  if constexpr (kIsa == Isa::kAvx512) nhwc_global_average_pool_f32_avx512(a);
  else nhwc_global_average_pool_f32_avx2(a);
}

template <Isa kIsa>
void nhwc_max_pool_f32_kernel(const KernelArgs& a) {
  nhwc_window_pool_f32_kernel<kIsa, true>(a);
}
template <Isa kIsa>
void nhwc_average_pool_f32_kernel(const KernelArgs& a) {
  nhwc_window_pool_f32_kernel<kIsa, false>(a);
}

}  // namespace

#define WISP_NHWC_POOL(op, fn)                                                   \
  WISP_REGISTER_KERNEL(op, DType::kF32, Isa::kAvx2, fn<Isa::kAvx2>, "com.wisp"); \
  WISP_REGISTER_KERNEL(op, DType::kF32, Isa::kAvx512, fn<Isa::kAvx512>, "com.wisp")

WISP_NHWC_POOL("NhwcMaxPool", nhwc_max_pool_f32_kernel);
WISP_NHWC_POOL("NhwcAveragePool", nhwc_average_pool_f32_kernel);
WISP_NHWC_POOL("NhwcGlobalAveragePool", nhwc_global_average_pool_f32_kernel);

#undef WISP_NHWC_POOL

}  // namespace wisp::x86
