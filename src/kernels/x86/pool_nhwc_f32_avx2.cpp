// NhwcMaxPool, NhwcAveragePool, NhwcGlobalAveragePool, float32, AVX2 + FMA: 8 channels per vector
// (pool_nhwc_f32_driver.hpp).
#include "kernels/x86/pool_nhwc_f32_driver.hpp"

namespace wisp::x86 {

void nhwc_max_pool_f32_avx2(const NhwcPoolF32Args& a) { window_pool_nhwc_t<true>(a); }
void nhwc_average_pool_f32_avx2(const NhwcPoolF32Args& a) { window_pool_nhwc_t<false>(a); }
void nhwc_global_average_pool_f32_avx2(const NhwcGlobalPoolF32Args& a) { global_average_pool_nhwc_t(a); }

}  // namespace wisp::x86
