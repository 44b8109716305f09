// NhwcMaxPool, NhwcAveragePool, NhwcGlobalAveragePool (float32) on x86: the arguments of
// the per-ISA kernels (pool_nhwc_f32_avx2.cpp / _avx512.cpp, one template in
// pool_nhwc_f32_driver.hpp), called by pool_nhwc_f32_ops.cpp.
#pragma once
#include <cstdint>

#include "kernels/ref/pool.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {

// x [N, H, W, C] -> y [N, OH, OW, C]; p->planes is N, p->geo the 2-D window.
struct NhwcPoolF32Args {
  const ref::PoolParams* p = nullptr;
  const float* x = nullptr;
  float* y = nullptr;
  int64_t channels = 0;
  ThreadPool* pool = nullptr;
};

// x [N, positions, C] -> y [N, C].
struct NhwcGlobalPoolF32Args {
  const float* x = nullptr;
  float* y = nullptr;
  int64_t images = 0, positions = 0, channels = 0;
  ThreadPool* pool = nullptr;
};

void nhwc_max_pool_f32_avx2(const NhwcPoolF32Args& a);
void nhwc_max_pool_f32_avx512(const NhwcPoolF32Args& a);
void nhwc_average_pool_f32_avx2(const NhwcPoolF32Args& a);
void nhwc_average_pool_f32_avx512(const NhwcPoolF32Args& a);
void nhwc_global_average_pool_f32_avx2(const NhwcGlobalPoolF32Args& a);
void nhwc_global_average_pool_f32_avx512(const NhwcGlobalPoolF32Args& a);

}  // namespace wisp::x86
