// MatMul and Gemm (float32) on the x86 GEMM (gemm_f32.hpp), registered for AVX2 and
// AVX-512. Built without ISA flags: it only maps the ops onto GemmF32Args and packs B.
//
// B is packed once and cached in the op's params when it is a constant (weights: the
// usual case); otherwise it is packed on every call into a per-thread buffer that grows
// to the largest B seen and is then reused (the one allocation, on the first run).
// MatMul with B shared by every batch and A's batches contiguous folds the batches into
// M: one GEMM of (batch * M) rows, which is what a Linear layer on [B, S, K] becomes.
// Other batched MatMuls (attention) split whole batches over the threads when there are
// enough of them.
#include <cstdint>
#include <vector>

#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/gemm_op.hpp"
#include "kernels/ref/matmul.hpp"
#include "kernels/x86/gemm_f32.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp::x86 {

namespace {

float* aligned_floats(std::vector<float>& storage, int64_t count) {
  const size_t need = static_cast<size_t>(count) + 16;
  if (storage.size() < need) storage.resize(need);
  const auto addr = reinterpret_cast<uintptr_t>(storage.data());
  return storage.data() + ((64 - addr % 64) % 64) / sizeof(float);
}

}  // namespace

const float* packed_b(const GemmF32Impl& impl, bool constant, std::shared_ptr<PackedWeights>& cache, int64_t k,
                      int64_t n, const float* b, int64_t b_rs, int64_t b_cs) {
  if (constant) {
    if (!cache || cache->source != b || cache->isa != impl.isa) {
      auto fresh = std::make_shared<PackedWeights>();
      fresh->source = b;
      fresh->isa = impl.isa;
      fresh->data = aligned_floats(fresh->storage, impl.packed_size(k, n));
      impl.pack_b(k, n, b, b_rs, b_cs, fresh->data);
      cache = std::move(fresh);
    }
    return cache->data;
  }
  thread_local std::vector<float> scratch;
  float* out = aligned_floats(scratch, impl.packed_size(k, n));
  impl.pack_b(k, n, b, b_rs, b_cs, out);
  return out;
}

namespace {

template <Isa kIsa>
void gemm_f32_kernel(const KernelArgs& args) {
  const GemmF32Impl& impl = *gemm_f32_impl(kIsa);
  const ref::GemmParams& p = args.p<ref::GemmParams>();
  if (p.m == 0 || p.n == 0) return;
  GemmF32Args g;
  g.m = p.m;
  g.n = p.n;
  g.k = p.k;
  g.a = args.in[0]->as<const float>();
  g.a_rs = p.trans_a ? 1 : p.k;
  g.a_cs = p.trans_a ? p.m : 1;
  g.packed_b = packed_b(impl, p.b_constant, p.packed_b, p.k, p.n, args.in[1]->as<const float>(),
                        p.trans_b ? 1 : p.n, p.trans_b ? p.k : 1);
  g.c = args.out[0]->as<float>();
  g.ldc = p.n;
  g.alpha = p.alpha;
  if (p.has_c) {
    g.bias = args.in[2]->as<const float>();
    g.bias_rs = p.c_row_stride;
    g.bias_cs = p.c_col_stride;
    g.beta = p.beta;
  }
  g.epilogue = p.epilogue;
  impl.gemm(g, args.pool);
}

template <Isa kIsa>
void matmul_f32_kernel(const KernelArgs& args) {
  const GemmF32Impl& impl = *gemm_f32_impl(kIsa);
  const ref::MatMulParams& p = args.p<ref::MatMulParams>();
  if (p.m == 0 || p.n == 0 || p.batch_count == 0) return;
  const float* a = args.in[0]->as<const float>();
  const float* b = args.in[1]->as<const float>();
  float* y = args.out[0]->as<float>();
  bool fold = true;  // B shared by all batches and A's batches back to back
  ref::for_each_matmul_batch(p, [&](int64_t i, int64_t ao, int64_t bo) { fold &= bo == 0 && ao == i * p.m * p.k; });
  GemmF32Args g;
  g.n = p.n;
  g.k = p.k;
  g.a_rs = p.k;
  g.ldc = p.n;
  if (fold) {
    g.m = p.m * p.batch_count;
    g.a = a;
    g.packed_b = packed_b(impl, p.b_constant, p.packed_b, p.k, p.n, b, p.n, 1);
    g.c = y;
    impl.gemm(g, args.pool);
    return;
  }
  g.m = p.m;
  // Batches [b0, b1), each one whole GEMM on `pool` (null: serially on this thread).
  auto run_batches = [&](int64_t b0, int64_t b1, ThreadPool* pool) {
    GemmF32Args gb = g;
    int64_t packed_bo = -1;
    ref::for_each_matmul_batch(p, [&](int64_t i, int64_t ao, int64_t bo) {
      if (i < b0 || i >= b1) return;
      if (bo != packed_bo) {  // consecutive batches sharing B (broadcast) reuse its packing
        std::shared_ptr<PackedWeights> unused;
        gb.packed_b = packed_b(impl, false, unused, p.k, p.n, b + bo, p.n, 1);  // this thread's buffer
        packed_bo = bo;
      }
      gb.a = a + ao;
      gb.c = y + i * p.m * p.n;
      impl.gemm(gb, pool);
    });
  };
  // Attention's batched products (QK^T, AV per head) are small: with at least as many
  // batches as threads, give each thread whole batches (static chunks) rather than forking
  // once per batch over a GEMM too small to split well. A GEMM's result does not depend on
  // its pool, so the output is the same either way.
  const int threads = args.pool ? args.pool->threads() : 1;
  if (threads > 1 && p.batch_count >= threads) {
    parallel_for(args.pool, p.batch_count, [&](int64_t b0, int64_t b1) { run_batches(b0, b1, nullptr); });
    return;
  }
  run_batches(0, p.batch_count, args.pool);
}

}  // namespace

const GemmF32Impl* gemm_f32_impl(Isa isa) {
  if (isa == Isa::kAvx2) return gemm_f32_avx2_impl();
  if (isa == Isa::kAvx512) return gemm_f32_avx512_impl();
  return nullptr;
}

WISP_REGISTER_KERNEL("Gemm", DType::kF32, Isa::kAvx2, gemm_f32_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("Gemm", DType::kF32, Isa::kAvx512, gemm_f32_kernel<Isa::kAvx512>);
WISP_REGISTER_KERNEL("MatMul", DType::kF32, Isa::kAvx2, matmul_f32_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("MatMul", DType::kF32, Isa::kAvx512, matmul_f32_kernel<Isa::kAvx512>);

}  // namespace wisp::x86
