// NhwcConv (com.wisp, float32) on x86, registered for AVX2 and AVX-512: the indirect GEMM
// of conv_nhwc_f32_driver.hpp. Built without ISA flags: it only packs the weights and maps
// the op's inputs onto NhwcConvF32Args.
//
// The weights are packed once when W is a constant (cached in the op's params, like the
// NCHW Conv), else on every call into the scratch (ref::nhwc_conv_scratch_bytes sizes it).
// Grouped convs (the layout pass emits NhwcConv for group 1 only), convs with no input
// channels (Y is the bias) and kernels too large for the driver's row table go to the
// reference kernel.
#include <memory>

#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/conv.hpp"
#include "kernels/x86/conv_nhwc_f32.hpp"
#include "kernels/x86/conv_nhwc_winograd_f32.hpp"
#include "kernels/x86/gemv_f32.hpp"

namespace wisp::x86 {
namespace {

float* align64(void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  return reinterpret_cast<float*>(addr + (64 - addr % 64) % 64);
}

template <Isa kIsa>
void nhwc_conv_f32_kernel(const KernelArgs& args) {
  const ref::ConvParams& p = args.p<ref::ConvParams>();
  const NhwcConvF32Impl& impl = *nhwc_conv_f32_impl(kIsa);
  const int64_t taps = p.geo.kernel_size();
  if (p.group != 1 || p.in_channels == 0 || taps * impl.mr > kNhwcConvTablePtrs) {
    static const KernelFn reference = find_kernel("com.wisp", "NhwcConv", DType::kF32, Isa::kRef);
    WISP_CHECK(reference != nullptr, ErrorCode::kInternal, "NhwcConv: no reference kernel registered");
    return reference(args);
  }
  if (p.out_channels == 0 || p.geo.out_size() == 0 || p.batch == 0) return;
  const float* w = args.in[1]->as<const float>();
  NhwcConvF32Args a;
  a.p = &p;
  a.x = args.in[0]->as<const float>();
  a.bias = args.has_in(2) ? args.in[2]->as<const float>() : nullptr;
  a.residual = p.has_residual ? args.in[3]->as<const float>() : nullptr;
  a.y = args.out[0]->as<float>();
  if (try_nhwc_winograd_f32(args, a, kIsa)) return;  // 3x3 stride 1 (conv_nhwc_winograd_f32.hpp)
  const int64_t packed_floats = impl.packed_size(p.out_channels, p.in_channels, taps);
  if (p.w_constant) {
    std::shared_ptr<PackedWeights>& cache = p.packed_w;
    if (!cache || cache->source != w || cache->isa != impl.isa ||
        cache->storage.size() != static_cast<size_t>(packed_floats + 16)) {  // not Winograd's
      auto fresh = std::make_shared<PackedWeights>();
      fresh->source = w;
      fresh->isa = impl.isa;
      fresh->storage.resize(static_cast<size_t>(packed_floats) + 16);
      fresh->data = align64(fresh->storage.data());
      impl.pack_weights(p.out_channels, p.in_channels, taps, w, fresh->data);
      cache = std::move(fresh);
    }
    a.packed_w = cache->data;
  } else {
    WISP_CHECK(args.scratch_bytes >= (packed_floats + 16) * 4, ErrorCode::kInternal, "NhwcConv: scratch of ",
               args.scratch_bytes, " bytes cannot hold the ", packed_floats,
               " floats of packed weights (ref::nhwc_conv_scratch_bytes sizes it)");
    float* packed = align64(args.scratch);
    impl.pack_weights(p.out_channels, p.in_channels, taps, w, packed);
    a.packed_w = packed;
  }
  if (nhwc_conv_is_gemv(p) && impl.nr == gemv_f32_nr(kIsa)) {  // squeeze-excite 1x1 on one position
    return nhwc_conv_gemv(kIsa, p, a.x, a.packed_w, a.bias, a.residual, a.y, args.pool);
  }
  impl.conv(a, args.pool);
}

}  // namespace

const NhwcConvF32Impl* nhwc_conv_f32_impl(Isa isa) {
  if (isa == Isa::kAvx2) return nhwc_conv_f32_avx2_impl();
  if (isa == Isa::kAvx512) return nhwc_conv_f32_avx512_impl();
  return nullptr;
}

WISP_REGISTER_KERNEL("NhwcConv", DType::kF32, Isa::kAvx2, nhwc_conv_f32_kernel<Isa::kAvx2>, "com.wisp");
WISP_REGISTER_KERNEL("NhwcConv", DType::kF32, Isa::kAvx512, nhwc_conv_f32_kernel<Isa::kAvx512>, "com.wisp");

}  // namespace wisp::x86
