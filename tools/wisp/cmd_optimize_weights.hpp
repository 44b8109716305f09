// The weight transforms of `wisp optimize` (FP16, INT4 weight-only, pruning) and its model
// writer, for cmd_optimize.cpp to call. Not a command of its own.
//
//   --fp16                 float32 weights stored as float16 (+ Cast), compute stays float32
//   --int4 [--group-size N]  MatMul/Gemm weights int4, one scale per N values of K (32)
//   --prune RATIO [--structured]  magnitude pruning, or whole Conv channels removed
//   -o OUT.onnx | OUT.wisp
#pragma once
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "cli.hpp"
#include "ir/graph.hpp"

namespace wisp::cli {

struct WeightTransforms {
  bool fp16 = false;
  bool int4 = false;
  int group_size = 32;
  double prune_ratio = 0;  // 0: no pruning
  bool structured = false;
  bool any() const { return fp16 || int4 || prune_ratio > 0; }
};

// Names to add to cmd_optimize's Args lists.
inline const std::vector<std::string> kWeightOptionsWithValue = {"group-size", "prune"};
inline const std::vector<std::string> kWeightFlags = {"fp16", "int4", "structured"};
inline constexpr const char* kWeightUsage =
    "  --fp16                 store float32 weights as float16 (+ Cast); compute stays float32\n"
    "  --int4                 MatMul/Gemm weights as int4, one float scale per group of K\n"
    "  --group-size N         INT4 group size along K: 32 (default), 64 or 128\n"
    "  --prune RATIO          zero the RATIO smallest weights of each Conv/Gemm/MatMul\n"
    "  --structured           with --prune: remove RATIO of each Conv's output channels instead\n";

// Reads the options above (UsageError on a bad value or combination).
WeightTransforms parse_weight_transforms(const Args& args);

// Prune, then INT4, then FP16 (each on the previous result), one summary line each on `log`.
std::shared_ptr<Model> apply_weight_transforms(const Model& model, const WeightTransforms& t, std::ostream& log);

// OUT.onnx: the standard-ONNX graph through export_onnx (no Wisp fusions). OUT.wisp: the
// optimizer's fusions applied, then the .wisp format. Prints the file size on `log`.
void write_optimized_model(const Model& model, const std::string& path, std::ostream& log);

}  // namespace wisp::cli
