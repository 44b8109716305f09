// Entry points of the x86 float32 Attention kernel (attention_f32_driver.hpp, compiled once
// per ISA); attention_f32_ops.cpp registers them.
#pragma once
#include "kernels/ref/attention.hpp"
#include "kernels/x86/gemm_f32.hpp"

namespace wisp::x86 {

struct AttentionF32Args {
  const ref::AttentionParams* p = nullptr;
  const GemmF32Impl* gemm = nullptr;  // the same ISA's GEMM
  const float *q = nullptr, *k = nullptr, *v = nullptr, *mask = nullptr;  // mask may be null
  float* y = nullptr;
  float* scratch = nullptr;  // `slots` slots of attention_slot_floats, 64-byte aligned
  int slots = 1;             // at most this many threads work
};

void attention_f32_avx2(const AttentionF32Args& a, ThreadPool* pool);
void attention_f32_avx512(const AttentionF32Args& a, ThreadPool* pool);

}  // namespace wisp::x86
