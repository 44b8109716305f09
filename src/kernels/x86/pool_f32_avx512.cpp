// MaxPool, AveragePool, GlobalMaxPool, GlobalAveragePool (and ReduceMean over H, W) for float32 on AVX-512
// (pool_f32_driver.hpp); other element types and unsupported forms go to the reference.
#include "kernels/x86/pool_f32_driver.hpp"
#include "kernels/x86/simd_f32_avx512.hpp"

namespace wisp::x86 {
namespace {

void window_pool_f32_avx512(const KernelArgs& args) { window_pool_f32<Avx512F32>(args); }
void global_pool_f32_avx512(const KernelArgs& args) { global_pool_f32<Avx512F32>(args); }
void reduce_mean_f32_avx512(const KernelArgs& args) { reduce_mean_f32<Avx512F32>(args); }

}  // namespace

WISP_REGISTER_KERNEL("MaxPool", DType::kF32, Isa::kAvx512, window_pool_f32_avx512);
WISP_REGISTER_KERNEL("AveragePool", DType::kF32, Isa::kAvx512, window_pool_f32_avx512);
WISP_REGISTER_KERNEL("GlobalMaxPool", DType::kF32, Isa::kAvx512, global_pool_f32_avx512);
WISP_REGISTER_KERNEL("GlobalAveragePool", DType::kF32, Isa::kAvx512, global_pool_f32_avx512);
WISP_REGISTER_KERNEL("ReduceMean", DType::kF32, Isa::kAvx512, reduce_mean_f32_avx512);

}  // namespace wisp::x86
