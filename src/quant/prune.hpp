// Pruning: unstructured (magnitude) and structured (whole Conv output channels).
//
// Unstructured: in every Conv/ConvTranspose/Gemm/MatMul weight the `ratio` smallest
// magnitudes become zero (per layer, so no layer is emptied). Wisp keeps its dense
// kernels for these weights (no sparse kernel exists, so none was measured faster; see
// docs/quantization.md, "Pruning"): the model is as large and as fast as before and
// shrinks only in a compressed container. The report counts the nonzeros.
//
// Structured: for each Conv (group 1) the `ratio` output channels with the smallest L1
// norm are removed, and every consumer is rewritten to match, following the channels
// through per-channel ops (activations, BatchNormalization, pooling) to where they end:
//   - the next Conv's input channels (its weight's axis 1),
//   - a depthwise Conv (group = channels): its channels and group shrink and the walk goes
//     on through its output,
//   - Flatten (static input shape) then Gemm/MatMul with a constant weight: the rows of
//     the removed channels' positions.
// A Conv whose channels reach anything else (a residual Add, Concat, a graph output, a
// weight shared with another node...) is left as it is and listed as skipped with the
// reason: removing its channels would need the same channels removed in every branch.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.hpp"

namespace wisp::quant {

struct PruneLayer {
  std::string node;           // the Conv (structured) or weight op (unstructured)
  int64_t before = 0;         // channels (structured) or weights (unstructured)
  int64_t after = 0;          // channels kept, or nonzero weights
  std::string skipped;        // why it was left alone ("" when pruned)
};

struct PruneReport {
  bool structured = false;
  double ratio = 0;
  int64_t params_before = 0;   // elements of all constants
  int64_t params_after = 0;
  int64_t nonzero_after = 0;   // nonzero elements of all float constants after pruning
  std::vector<PruneLayer> layers;
  std::string summary() const;  // one line per layer and a total
};

// A new model (the input is untouched). `ratio` in [0, 1): the fraction of weights
// (unstructured) or output channels per Conv (structured, at least one channel kept).
std::shared_ptr<Model> prune(const Model& model, double ratio, bool structured, PruneReport* report = nullptr);

}  // namespace wisp::quant
