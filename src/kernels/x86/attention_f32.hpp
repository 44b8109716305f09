// Entry points of the x86 float32 Attention kernel (attention_f32_driver.hpp, compiled once
// per ISA); attention_f32_ops.cpp registers them.
#pragma once
#include "kernels/attention_blocking.hpp"
#include "kernels/ref/attention.hpp"
#include "kernels/x86/gemm_f32.hpp"

namespace wisp::x86 {

struct AttentionF32Args {
  const ref::AttentionParams* p = nullptr;
  const GemmF32Impl* gemm = nullptr;  // the same ISA's GEMM
  const float *q = nullptr, *k = nullptr, *v = nullptr, *mask = nullptr;  // mask may be null
  float* y = nullptr;
  float* scratch = nullptr;  // `slots` slots laid out as `slot` says, 64-byte aligned
  int slots = 1;             // at most this many threads work
  // Worked out by the caller (no ISA flags) so that the ISA files instantiate none of the
  // checked size maths (kernels/attention_blocking.hpp).
  AttentionSlot slot;
  int64_t block_rows = 1;
};

void attention_f32_avx2(const AttentionF32Args& a, ThreadPool* pool);
void attention_f32_avx512(const AttentionF32Args& a, ThreadPool* pool);

}  // namespace wisp::x86
