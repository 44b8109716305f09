// The x86 fixed-point int8 GEMM (kernels/ref/qgemm.hpp is the contract): one driver
// (qgemm_u8_driver.cpp, plain x86-64 + SSE2) over per-ISA microkernels
// (qgemm_u8_avx2.cpp: zero-extend to int16 + vpmaddwd; qgemm_u8_avx512.cpp: vpdpbusd when
// the CPU has AVX-512 VNNI, else the AVX2 microkernel).
//
// Layouts. X is packed per tile of ref::kQGemmTileP positions into a thread slot as
// [K/4][kQGemmTileP][4] uint8 (4 consecutive k of one position per 32-bit word, int8 X
// flipped to uint8, K padded with zeros): a microkernel reads Nr positions of one k-group
// as one contiguous vector. The weights are packed once per node, per ISA, as blocks of
// Mr channels: [channels / Mr][K/4][Mr][4] (int8 for VNNI, int16 for AVX2) with zero rows
// and zero k-padding, so a microkernel broadcasts one channel's 4 weights per k-group.
// The microkernel returns the raw int32 dot products (sum_k W * X_u8) of an Mr x Nr tile;
// the driver adds bias - x_zp * weight_sums and requantizes with quant::requantize.
#pragma once
#include <cstdint>

#include "kernels/kernel_registry.hpp"
#include "kernels/ref/qgemm.hpp"

namespace wisp {
class ThreadPool;
}

namespace wisp::x86 {

struct QGemmMicrokernel {
  Isa isa = Isa::kAvx2;
  const char* name = "";
  int mr = 4, nr = 8;     // channels x positions of one tile
  int weight_bytes = 1;   // bytes per packed weight (2: int16 for vpmaddwd)
  // acc[r * nr + j] = sum over k-groups of W row r . X column j, for r < mr, j < nr (all
  // mr rows and nr columns are computed; the packed data is padded). x_group_stride is
  // the byte distance between k-groups (4 * kQGemmTileP).
  void (*tile)(int64_t kgroups, const void* w_block, const uint8_t* x, int64_t x_group_stride, int32_t* acc) = nullptr;
  // y[j] = requantize(acc[j] + add, fm, zp, qmin, qmax) ^ flip for j < n (contiguous y):
  // quant::requantize bit for bit, in SIMD (64-bit products, rounding shift, clamp).
  void (*requant)(const int32_t* acc, int64_t n, int32_t add, quant::FixedPointMultiplier fm, int32_t zp, int32_t qmin,
                  int32_t qmax, uint8_t flip, uint8_t* y) = nullptr;
  // The whole tile: rows r < rows of acc (stride nr), n columns, row r with add[r] and
  // fm[r], to y + r * y_cs (contiguous columns). Null: the driver calls requant per row.
  void (*requant_tile)(const int32_t* acc, int64_t rows, int64_t n, const int32_t* add,
                       const quant::FixedPointMultiplier* fm, int32_t zp, int32_t qmin, int32_t qmax, uint8_t flip,
                       uint8_t* y, int64_t y_cs) = nullptr;
  // tile + requant_tile in one, from registers (no accumulator round trip through memory),
  // for a full mr x nr tile whose rows all have shift >= 32. Null: tile, then requant.
  void (*tile_requant)(int64_t kgroups, const void* w_block, const uint8_t* x, int64_t x_group_stride,
                       const int32_t* add, const quant::FixedPointMultiplier* fm, int32_t zp, int32_t qmin,
                       int32_t qmax, uint8_t flip, uint8_t* y, int64_t y_cs) = nullptr;
  // Matrix-vector form for single rows (a classifier's Gemm at batch 1), where a tile
  // would compute nr positions for one: acc[8 b + r] = sum over k-groups of W row r of
  // block b . xw (xw[g]: the row's 4 bytes of k-group g, uint8, zero padded) for blocks
  // [0, blocks) at w (mr == 8 packing). Null: rows take the tile path.
  void (*gemv)(int64_t kgroups, const void* w, int64_t w_block_bytes, int64_t blocks, const uint32_t* xw,
               int32_t* acc) = nullptr;
};

// The microkernel for `isa` (kAvx2 or kAvx512); null if the CPU lacks it.
const QGemmMicrokernel* qgemm_microkernel(Isa isa);
const QGemmMicrokernel* qgemm_microkernel_avx2();
const QGemmMicrokernel* qgemm_microkernel_avx512();  // null without AVX-512 VNNI

// Packs q's weights of channels [c0, c0 + q.channels) for `mk` (cached in q.packed).
// channels_last: K ordered (tap, channel) with `taps` taps (see ref::qconv_uses_channels_last).
const void* qgemm_packed_weights(const ref::QGemm& q, const QGemmMicrokernel& mk, bool channels_last = false,
                                 int64_t taps = 1);

// Where the positions come from and where the outputs go.
struct QGemmSource {
  // Conv: NCHW image of one batch entry (im2col'd on the fly with `geo`); pointwise
  // stride-1 convs read the planes directly.
  const uint8_t* x = nullptr;
  const ref::WindowGeometry* geo = nullptr;
  // Conv with ref::qconv_uses_channels_last: x is copied to [H][W][C] per image into
  // scratch first (in_channels C) and tiles gather 4 channels of one tap per word.
  bool channels_last = false;
  int64_t in_channels = 0;
  // MatMul: X [positions, k] row-major with row stride x_row_stride (geo null).
  int64_t x_row_stride = 0;
};

// Runs Y = requantize(W . X) for all q.channels channels and `positions` positions of
// `batch` entries: Y[b][c * y_cs + p * y_ps], X entry b at x + b * x_batch_stride.
// scratch: ref::kQGemmSlots slots of ref::qgemm_slot_bytes(k) (+64 to align).
void qgemm_x86_run(const QGemmMicrokernel& mk, const ref::QGemm& q, int64_t batch, int64_t positions,
                   const QGemmSource& src, int64_t x_batch_stride, uint8_t* y, int64_t y_batch_stride, int64_t y_cs,
                   int64_t y_ps, void* scratch, int64_t scratch_bytes, ThreadPool* pool);

// Y row r = requantize(W . X row r) through mk.gemv, for the few-row case (rows <= 4):
// returns false (nothing done) when mk has no gemv or the scratch is too small.
bool qgemm_x86_gemv(const QGemmMicrokernel& mk, const ref::QGemm& q, int64_t rows, const uint8_t* x,
                    int64_t x_row_stride, uint8_t* y, int64_t y_row_stride, void* scratch, int64_t scratch_bytes,
                    ThreadPool* pool);

}  // namespace wisp::x86
