// Which nodes and tensors PTQ quantizes (shared by calibration and the QDQ rewrite).
//
// Compute nodes: Conv (constant weight), Gemm (constant B), MatMul (constant 2-D B, or two
// activations), Add of two activations (residuals). Each gets its float activation inputs
// and its "effective output" quantized; the effective output is the output of a Relu/Clip
// that is the only reader (the activation sits between the node and its Q, so the integer
// kernel can clamp in its epilogue). Pass-through ops (MaxPool, Reshape, Flatten,
// Transpose, Squeeze, Unsqueeze) whose input is quantized get their output quantized with
// the SAME parameters (so K's integer path can run them on uint8 directly); AveragePool,
// GlobalAveragePool and Concat get their own.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.hpp"
#include "quant/quantizer.hpp"

namespace wisp::quant {

struct QuantPlan {
  std::vector<std::string> activations;          // value names to QDQ, graph order
  std::map<std::string, std::string> shares;     // value -> value whose params it takes
  std::vector<const Node*> compute_nodes;        // nodes whose weights/bias are quantized
  std::vector<std::string> float_nodes;          // compute-type nodes left float (and why)
  // Activation inputs of Conv/Gemm/MatMul whose per-channel mean bias correction needs.
  std::map<std::string, int> channel_axis;       // value -> axis of its channels
};

bool is_compute_op(const Node& n);
QuantPlan plan_quantization(const Graph& g, const QuantizeOptions& options);
// The value whose params `name` uses (follows shares).
std::string param_root(const QuantPlan& plan, const std::string& name);

}  // namespace wisp::quant
