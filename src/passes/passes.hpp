// The individual passes (one per file in src/passes/; see pass_manager.hpp for the contract).
#pragma once
#include "ir/graph.hpp"

namespace wisp::passes {

// Turns Constant nodes into constant values (what the other passes can read).
bool constant_nodes_to_values(Graph& g);
// Shape/Size of statically shaped values, and deterministic nodes whose inputs are all
// constants, -> constants (size-capped: outputs up to max(kFoldedBytesFloor, input bytes)).
bool fold_constants(Graph& g);
inline constexpr int64_t kFoldedBytesFloor = 64 * 1024;
// Removes nodes none of whose outputs is read or is a graph output.
bool eliminate_dead_nodes(Graph& g);
// Removes Identity and inference-mode Dropout, rewiring readers to the input.
bool eliminate_identity(Graph& g);
// Folds BatchNormalization into the constant weights and bias of a preceding Conv or Gemm.
bool fold_batchnorm(Graph& g);
// Fuses an activation following Conv/Gemm into the node's epilogue (wisp_activation attrs).
bool fuse_activation(Graph& g);
// Add(Conv(x), r) with r of the Conv output's shape -> Conv with r as a fused residual.
bool fuse_residual_add(Graph& g);
// MatMul(A 2-D, B constant 2-D) + Add(constant bias) -> Gemm.
bool fuse_matmul_add(Graph& g);
// Transpose(Transpose(x)) -> one Transpose, or nothing when the permutations cancel.
bool merge_transposes(Graph& g);
// Reshape(Reshape(x, s1), s2) -> Reshape(x, s2).
bool collapse_reshapes(Graph& g);
// Transpose(constant) -> the transposed constant.
bool fold_constant_transpose(Graph& g);
// Transpose(p) -> elementwise ops / Concat -> Transpose(p^-1) -> the ops alone (constant
// operands permuted along, shared Transposes kept for their other readers).
bool cancel_transposes_around_elementwise(Graph& g);
// A Transpose moving only size-1 axes (static shape) -> Reshape. Used by layout_nhwc
// (passes/layout_nhwc.hpp, which also declares that pass); not in the default list.
bool transposes_to_reshapes(Graph& g);
// A 2-D Transpose feeding Gemm/MatMul -> the Gemm's transA/transB.
bool fold_transpose_into_gemm(Graph& g);
// ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div[/Mul/Add] over the last axis -> LayerNormalization.
bool fuse_layer_norm(Graph& g);
// x * 0.5 * (1 + Erf(x / sqrt2)) and the tanh approximation -> Gelu.
bool fuse_gelu(Graph& g);
// A scalar Mul/Div before or after MatMul(x, W constant) -> folded into W; next to Gemm -> alpha/beta.
bool fold_scale_into_matmul(Graph& g);
// MatMul(Softmax(MatMul(Q, K^T) [* scale] [+ mask]), V) -> Attention (com.wisp).
bool fuse_attention(Graph& g);

// MatMul(A, DequantizeLinear(int4 constant, blocked scale)) -> MatMulInt4 (com.wisp).
bool fuse_int4_matmul(Graph& g);
// DQ -> Conv [-> Relu/Clip] -> Q (ONNX QDQ) -> QLinearConv in the fixed-point integer form
// (wisp_fixed_point=1); imported QLinearConv with symmetric int8 weights gets the same form.
bool fuse_qdq_conv(Graph& g);
// DQ -> MatMul / Gemm (int8 symmetric constant B) [-> Relu/Clip] -> Q -> fixed-point QLinearMatMul.
bool fuse_qdq_matmul(Graph& g);
// Add(DQ(a), DQ(b)) [-> Relu/Clip] -> Q -> fixed-point QLinearAdd (com.microsoft).
bool fuse_qdq_add(Graph& g);
// DQ -> MaxPool/Reshape/Flatten/Squeeze/Unsqueeze/Transpose -> Q (same params) -> the op on
// the integer tensor.
bool fuse_qdq_passthrough(Graph& g);

}  // namespace wisp::passes
