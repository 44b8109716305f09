// Dispatch of the float32 NhwcConv to Winograd F(2x2, 3x3) (conv_nhwc_winograd_f32.hpp):
// called by the NhwcConv kernel (conv_nhwc_f32_ops.cpp) before its direct path. Built
// without ISA flags: it packs the transformed weights once (cached in the op's params, like
// the direct packing; a cache of the other size is the direct path's and is replaced) and
// hands the scratch's slots to the ISA's driver. It declines (the direct conv runs) when
// the conv is not a 3x3 stride-1 one with enough channels, when the scratch was not sized
// for it (ref::nhwc_conv_scratch_bytes), or when WISP_WINOGRAD=0 (to measure direct).
#include <cstdlib>
#include <cstring>
#include <memory>

#include "kernels/packed_weights.hpp"
#include "kernels/x86/conv_nhwc_f32.hpp"
#include "kernels/x86/conv_nhwc_winograd_f32.hpp"

namespace wisp::x86 {

const NhwcWinogradF32Impl* nhwc_winograd_f32_impl(Isa isa) {
  if (isa == Isa::kAvx2) return nhwc_winograd_f32_avx2_impl();
  if (isa == Isa::kAvx512) return nhwc_winograd_f32_avx512_impl();
  return nullptr;
}

bool nhwc_winograd_enabled() {
  static const bool enabled = [] {
    const char* env = std::getenv("WISP_WINOGRAD");
    return env == nullptr || std::strcmp(env, "0") != 0;
  }();
  return enabled;
}

bool try_nhwc_winograd_f32(const KernelArgs& args, const NhwcConvF32Args& a, Isa isa) {
  const ref::ConvParams& p = *a.p;
  const NhwcWinogradF32Impl* impl = nhwc_winograd_f32_impl(isa);
  if (impl == nullptr || !nhwc_winograd_enabled() || !nhwc_winograd_applies(p)) return false;
  const int64_t slot_bytes = nhwc_winograd_slot_floats(p.in_channels, p.out_channels) * int64_t{sizeof(float)};
  const int64_t slots = (args.scratch_bytes - 64) / slot_bytes;
  if (args.scratch == nullptr || slots < 1) return false;
  const float* w = args.in[1]->as<const float>();
  const int64_t packed_floats = impl->packed_size(p.out_channels, p.in_channels);
  std::shared_ptr<PackedWeights>& cache = p.packed_w;
  if (!cache || cache->source != w || cache->isa != impl->isa ||
      cache->storage.size() != static_cast<size_t>(packed_floats + 16)) {
    auto fresh = std::make_shared<PackedWeights>();
    fresh->source = w;
    fresh->isa = impl->isa;
    fresh->storage.resize(static_cast<size_t>(packed_floats) + 16);
    const auto addr = reinterpret_cast<uintptr_t>(fresh->storage.data());
    fresh->data = reinterpret_cast<float*>(addr + (64 - addr % 64) % 64);
    impl->pack_weights(p.out_channels, p.in_channels, w, fresh->data);
    cache = std::move(fresh);
  }
  NhwcConvF32Args wa = a;
  wa.packed_w = cache->data;
  const auto saddr = reinterpret_cast<uintptr_t>(args.scratch);
  float* scratch = reinterpret_cast<float*>(saddr + (64 - saddr % 64) % 64);
  impl->conv(wa, scratch, static_cast<int>(std::min<int64_t>(slots, 64)), args.pool);
  return true;
}

}  // namespace wisp::x86
