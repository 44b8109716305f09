// Reference Attention (the oracle for the SIMD kernels): plain loops, one query row at a
// time. Scores are summed in float in index order and scaled then masked exactly like the
// graph it replaces (MatMul, Mul, Add); the softmax and the product with V are summed in
// double, like the reference Softmax.
#include "kernels/ref/attention.hpp"

#include <cmath>
#include <limits>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {

void attention_f32(const AttentionParams& p, const float* q, const float* k, const float* v, const float* mask,
                   float* y, float* row) {
  for (int64_t b = 0; b < p.batch_count; ++b) {
    const AttentionOffsets o = attention_offsets(p, b);
    const float* qb = q + o.q;
    const float* kb = k + o.k;
    const float* vb = v + o.v;
    float* yb = y + o.y;
    for (int64_t i = 0; i < p.sq; ++i) {
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < p.sk; ++j) {
        float s = 0;
        for (int64_t e = 0; e < p.d; ++e) s += qb[i * p.q_rs + e * p.q_cs] * kb[j * p.k_rs + e * p.k_cs];
        s *= p.scale;
        if (mask) s += mask[o.m + i * p.mask_rs + j * p.mask_cs];
        row[j] = s;
        mx = std::max(mx, static_cast<double>(s));
      }
      double sum = 0;
      for (int64_t j = 0; j < p.sk; ++j) sum += std::exp(static_cast<double>(row[j]) - mx);
      for (int64_t j = 0; j < p.sk; ++j) row[j] = static_cast<float>(std::exp(static_cast<double>(row[j]) - mx) / sum);
      for (int64_t e = 0; e < p.dv; ++e) {
        double acc = 0;
        for (int64_t j = 0; j < p.sk; ++j) acc += static_cast<double>(row[j]) * vb[j * p.v_rs + e * p.v_cs];
        yb[i * p.y_rs + e] = static_cast<float>(acc);
      }
    }
  }
}

namespace {

void attention_kernel(const KernelArgs& a) {
  const AttentionParams& p = a.p<AttentionParams>();
  WISP_ASSERT(a.scratch_bytes >= attention_ref_scratch_floats(p) * static_cast<int64_t>(sizeof(float)));
  attention_f32(p, a.in[0]->as<const float>(), a.in[1]->as<const float>(), a.in[2]->as<const float>(),
                a.has_in(3) ? a.in[3]->as<const float>() : nullptr, a.out[0]->as<float>(), static_cast<float*>(a.scratch));
}

}  // namespace

WISP_REGISTER_KERNEL("Attention", DType::kUndefined, Isa::kRef, attention_kernel, "com.wisp");

}  // namespace wisp::ref
