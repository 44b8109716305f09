// The NEON fixed-point int8 GEMM (kernels/ref/qgemm.hpp is the contract, bit for bit):
// the same X layout as the x86 kernels, two microkernels, one driver.
//
// X is packed per tile of ref::kQGemmTileP positions as [K/4][TileP][4] uint8 (4
// consecutive k of one position per 32-bit word; int8 X flipped to uint8, padding = the
// zero point, K padded with zeros): 16 bytes are 4 positions x 4 k. Weights are packed once
// per node as blocks of kQNeonMr = 8 channels, [K/4][8][4] int8, followed by 8 int32:
// 128 * sum_k w (zero for padded channels). The microkernels run signed x signed products:
// they flip X back to int8 (x_u8 - 128, one eor per vector) and add the 128 * sum_k w
// trailer at the end, so they return sum_k W * X_u8 exactly like the x86 microkernels and
// the driver adds bias - x_zp * weight_sums and requantizes with quant::requantize.
//  - dot product (armv8.2-a+dotprod, sdot; qgemm_q8_neon_dot.cpp, built with that -march
//    and called only when the CPU reports the feature): 8 channels x 8 positions, 16 sdot
//    by-lane per k-group, each adding 4 products per lane.
//  - plain NEON fallback: smull (int8 x int8 -> int16, exact: |product| <= 2^14) and
//    sadalp (pairwise add into int32), the pairs joined by addp at the end.
#pragma once
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/qgemm.hpp"

namespace wisp {
class ThreadPool;
}

namespace wisp::arm {

inline constexpr int kQNeonMr = 8, kQNeonNr = 8;

struct QGemmNeonKernel {
  const char* name = "";
  // acc[r * 8 + j] = sum over the k-groups of (channel r of the block) . (position j), for
  // all 8 x 8 (packed data is padded). x_group_stride: bytes between k-groups.
  void (*tile)(int64_t kgroups, const int8_t* w_block, const uint8_t* x, int64_t x_group_stride, int32_t* acc) = nullptr;
};

const QGemmNeonKernel* qgemm_neon_dot_kernel();    // sdot (needs the CPU feature)
const QGemmNeonKernel* qgemm_neon_plain_kernel();  // any aarch64
// The dot-product kernel when cpu_features().dotprod, else the plain one.
const QGemmNeonKernel* qgemm_neon_best_kernel();

// Bytes of one packed block, and the blocks of q's weights (cached in q.packed).
int64_t qgemm_neon_block_bytes(int64_t k);
const int8_t* qgemm_neon_packed_weights(const ref::QGemm& q);

// Where the positions come from: a Conv's NCHW image per batch entry, im2col'd tile by
// tile with geo; or (geo null) a MatMul's X [positions, k] with row stride x_row_stride.
struct QGemmNeonSource {
  const uint8_t* x = nullptr;
  const ref::WindowGeometry* geo = nullptr;
  int64_t x_row_stride = 0;
};

// Y[b][c * y_cs + p * y_ps] = requantize(W . X) for the q.channels channels and `positions`
// positions of `batch` entries (X entry b at src.x + b * x_batch), as the x86 driver.
// scratch: at least one slot of ref::qgemm_slot_bytes(q.k) (+64 to align); one per thread
// used (ir/ops/qgemm_infer.cpp sizes it).
void qgemm_neon_run(const QGemmNeonKernel& mk, const ref::QGemm& q, int64_t batch, int64_t positions,
                    const QGemmNeonSource& src, int64_t x_batch, uint8_t* y, int64_t y_batch, int64_t y_cs,
                    int64_t y_ps, void* scratch, int64_t scratch_bytes, ThreadPool* pool);

// The integer Conv's hook: a fixed-point group-1 QLinearConv with scratch for at least one
// slot runs on `mk` (default: the best for this CPU) and returns true; else false.
bool run_qlinear_conv_gemm_q8_neon(const KernelArgs& args, const QGemmNeonKernel* mk = nullptr);
// The same for a fixed-point QLinearMatMul (2-D constant B, A's batches contiguous).
bool run_qlinear_matmul_gemm_q8_neon(const KernelArgs& args, const QGemmNeonKernel* mk = nullptr);

}  // namespace wisp::arm
