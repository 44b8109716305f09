// FP16 weight storage: large float32 constants are stored as float16 followed by a
// Cast(to=FLOAT), the form ONNX Runtime's float16 converter emits with keep_io_types and
// "op_block_list" = everything (compute stays float32, only the stored weights halve).
//
// In Wisp the Cast of a constant folds at Session::prepare, so the kernels see float32
// weights and pack them once as before: same kernels, same speed, half the file (.onnx
// through the exporter, .wisp through format::write_wisp, which stores the f16 constant).
// The only numerical change is the rounding of each weight to the nearest float16.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "ir/graph.hpp"

namespace wisp::quant {

struct Fp16Options {
  // Weights of Conv, ConvTranspose, Gemm and MatMul with at least this many elements...
  int64_t min_weight_elements = 16;
  // ...and any other float32 constant with at least this many (small constants such as
  // Resize scales, Clip bounds or LayerNorm epsilon stay float32: nothing to gain).
  int64_t min_other_elements = 1024;
};

struct Fp16Report {
  int64_t converted = 0;             // constants now stored as float16
  int64_t bytes_before = 0;          // their float32 bytes
  int64_t bytes_after = 0;           // their float16 bytes
  double max_abs_rounding = 0;       // largest |w - f16(w)| over all converted weights
  int64_t overflowed = 0;            // values beyond float16's range (stored as +-inf): refused
  std::string summary() const;
};

// A new model (the input is not changed) with the weights stored as float16 + Cast.
// Throws kInvalidArgument when a weight has a finite value beyond float16's range (65504):
// that model cannot be stored in float16 without changing its results.
std::shared_ptr<Model> convert_weights_fp16(const Model& model, const Fp16Options& options = {},
                                            Fp16Report* report = nullptr);

}  // namespace wisp::quant
