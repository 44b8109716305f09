// LSTM and GRU (float32) on the x86 GEMM, registered for AVX2 and AVX-512. Built without ISA
// flags: it decides whether the fast path covers the node, packs W and R (once, cached in
// the params, when they are constants), and calls the ISA driver (rnn_f32_driver.hpp).
//
// The fast path covers every attribute the reference supports (directions, layouts,
// sequence_lens, initial states, peepholes, clip, input_forget, linear_before_reset) with
// the default activations (LSTM Sigmoid/Tanh/Tanh, GRU Sigmoid/Tanh); other activation
// lists and plain RNN go to the reference kernel.
#include <cstdint>
#include <vector>

#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/rnn.hpp"
#include "core/status.hpp"
#include "kernels/x86/rnn_f32.hpp"

namespace wisp::x86 {
namespace {

bool default_activations(const ref::RnnParams& p) {
  using K = ref::RnnActivationKind;
  for (int d = 0; d < p.dirs; ++d) {
    const ref::RnnActivation* acts = p.acts + d * p.acts_per_dir;
    if (acts[0].kind != K::kSigmoid || acts[1].kind != K::kTanh) return false;
    if (p.kind == ref::RnnKind::kLstm && acts[2].kind != K::kTanh) return false;
  }
  return true;
}

float* aligned_floats(std::vector<float>& storage, int64_t count) {
  const size_t need = static_cast<size_t>(count) + 16;
  if (storage.size() < need) storage.resize(need);
  const auto addr = reinterpret_cast<uintptr_t>(storage.data());
  return storage.data() + ((64 - addr % 64) % 64) / sizeof(float);
}

// `blocks` row-major [n, k] matrices, each packed transposed (as a K x N GEMM B) one after
// the other, `stride` floats apart. Constant sources are packed once into `cache`; others
// into `scratch` (a per-thread buffer that grows to the largest seen, then is reused).
const float* pack_transposed(const GemmF32Impl& impl, bool constant, std::shared_ptr<PackedWeights>& cache,
                             std::vector<float>& scratch, int64_t blocks, int64_t n, int64_t k, const float* src,
                             int64_t& stride) {
  stride = impl.packed_size(k, n);
  auto pack_into = [&](float* out) {
    for (int64_t i = 0; i < blocks; ++i) impl.pack_b(k, n, src + i * n * k, 1, k, out + i * stride);
  };
  if (!constant) {
    float* out = aligned_floats(scratch, blocks * stride);
    pack_into(out);
    return out;
  }
  if (!cache || cache->source != src || cache->isa != impl.isa) {
    auto fresh = std::make_shared<PackedWeights>();
    fresh->source = src;
    fresh->isa = impl.isa;
    fresh->data = aligned_floats(fresh->storage, blocks * stride);
    pack_into(fresh->data);
    cache = std::move(fresh);
  }
  return cache->data;
}

template <Isa kIsa>
void rnn_f32_kernel(const KernelArgs& args) {
  const auto& p = args.p<ref::RnnParams>();
  // The scratch check guards against a plan made without the fast path's share
  // (rnn_scratch_bytes(p, false)): the reference needs less.
  if (p.kind == ref::RnnKind::kRnn || !default_activations(p) || p.hidden == 0 ||
      args.scratch_bytes < ref::rnn_fast_scratch_floats(p) * static_cast<int64_t>(sizeof(float))) {
    static const KernelFn reference = find_kernel("", "LSTM", DType::kF32, Isa::kRef);  // serves RNN/GRU/LSTM
    return reference(args);
  }
  if (args.has_in(4)) {  // checked here, not in the ISA-flagged driver (no weak symbols there)
    const TensorView& lens = *args.in[4];
    const int64_t steps = p.seq;
    for (int64_t b = 0; b < lens.numel(); ++b) {
      const int64_t len = element_as_int(lens, b);
      WISP_CHECK(len >= 0 && len <= steps, ErrorCode::kOutOfRange, "RNN: sequence_lens[", b, "] = ", len,
                 " is outside [0, ", steps, "]");
    }
  }
  const GemmF32Impl& impl = *gemm_f32_impl(kIsa);
  thread_local std::vector<float> w_scratch, r_scratch;
  RnnF32Packed packed;
  packed.w = pack_transposed(impl, p.w_constant, p.packed_w, w_scratch, p.dirs, p.gates * p.hidden, p.input,
                             args.in[1]->as<const float>(), packed.w_stride);
  packed.r = pack_transposed(impl, p.r_constant, p.packed_r, r_scratch, p.dirs * p.gates, p.hidden, p.hidden,
                             args.in[2]->as<const float>(), packed.r_stride);
  if (kIsa == Isa::kAvx512) rnn_f32_avx512(args, impl, packed);
  else rnn_f32_avx2(args, impl, packed);
}

}  // namespace

WISP_REGISTER_KERNEL("LSTM", DType::kF32, Isa::kAvx2, rnn_f32_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("LSTM", DType::kF32, Isa::kAvx512, rnn_f32_kernel<Isa::kAvx512>);
WISP_REGISTER_KERNEL("GRU", DType::kF32, Isa::kAvx2, rnn_f32_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("GRU", DType::kF32, Isa::kAvx512, rnn_f32_kernel<Isa::kAvx512>);

}  // namespace wisp::x86
