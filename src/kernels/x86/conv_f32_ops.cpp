// Conv (float32) on x86, registered for AVX2 and AVX-512.
//
// Group 1 runs the tiled im2col + GEMM of gemm_f32_conv_driver.hpp: the weights [M, K] are
// packed once (when W is a constant; else on every call into the scratch) into the
// microkernel's A panels and cached in the op's params; each thread then im2cols KC x NC
// blocks of the input straight into packed-B form in its own scratch slot and applies
// bias, the fused residual and the activation to each output tile while it is in cache.
//
// Grouped and depthwise convolutions go to conv_grouped_f32.cpp (a direct depthwise
// kernel; one GEMM per group otherwise); a fused residual on one of them (the pass fuses
// group 1 only) and K = 0 go to the reference.
#include <memory>

#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/x86/conv_grouped_f32.hpp"
#include "kernels/x86/gemm_f32.hpp"

namespace wisp::x86 {
namespace {

float* align64(void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<float*>(addr + (64 - addr % 64) % 64);
}

template <Isa kIsa>
void conv_f32_kernel(const KernelArgs& args) {
  const ref::ConvParams& p = args.p<ref::ConvParams>();
  static const KernelFn reference = find_kernel("", "Conv", DType::kF32, Isa::kRef);
  const int64_t k = ref::ws_per_out(p), positions = p.geo.out_size();
  // K = 0 (no input channels: Y is the bias) has nothing to tile.
  if (p.has_residual && (p.group != 1 || k == 0)) return reference(args);
  if (p.group != 1) return conv_grouped_f32(kIsa, args);
  if (k == 0) return reference(args);
  const GemmF32Impl& impl = *gemm_f32_impl(kIsa);
  if (p.out_channels == 0 || positions == 0 || p.batch == 0) return;
  const float* w = args.in[1]->as<const float>();
  ConvF32Args a;
  a.p = &p;
  a.x = args.in[0]->as<const float>();
  a.bias = args.has_in(2) ? args.in[2]->as<const float>() : nullptr;
  a.residual = p.has_residual ? args.in[3]->as<const float>() : nullptr;
  a.y = args.out[0]->as<float>();
  // Scratch (sized by ir/ops/conv.cpp): the packed weights if W is not constant, then the
  // thread slots; both 64-byte aligned.
  float* free = align64(args.scratch);
  const float* const scratch_end = reinterpret_cast<const float*>(static_cast<const char*>(args.scratch) + args.scratch_bytes);
  if (p.w_constant) {
    std::shared_ptr<PackedWeights>& cache = p.packed_w;
    if (!cache || cache->source != w || cache->isa != impl.isa) {
      auto fresh = std::make_shared<PackedWeights>();
      fresh->source = w;
      fresh->isa = impl.isa;
      fresh->storage.resize(static_cast<size_t>(impl.packed_a_size(p.out_channels, k)) + 16);
      fresh->data = align64(fresh->storage.data());
      impl.pack_a(p.out_channels, k, w, k, fresh->data);
      cache = std::move(fresh);
    }
    a.packed_w = cache->data;
  } else {
    impl.pack_a(p.out_channels, k, w, k, free);
    a.packed_w = free;
    free = align64(free + impl.packed_a_size(p.out_channels, k));
  }
  a.slot_floats = (ref::conv_tiled_slot_floats(k, positions) + 15) / 16 * 16;
  a.scratch = free;
  a.slots = static_cast<int>(std::min<int64_t>(ref::kConvSlots, (scratch_end - free) / a.slot_floats));
  WISP_CHECK(a.slots >= 1, ErrorCode::kInternal, "Conv: scratch of ", args.scratch_bytes,
             " bytes is too small for the tiled kernel (ir/ops/conv.cpp sizes it)");
  impl.conv(a, args.pool);
}

}  // namespace

WISP_REGISTER_KERNEL("Conv", DType::kF32, Isa::kAvx2, conv_f32_kernel<Isa::kAvx2>);
WISP_REGISTER_KERNEL("Conv", DType::kF32, Isa::kAvx512, conv_f32_kernel<Isa::kAvx512>);

}  // namespace wisp::x86
