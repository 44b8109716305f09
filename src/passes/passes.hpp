// The individual passes (one per file in src/passes/; see pass_manager.hpp for the contract).
#pragma once
#include "ir/graph.hpp"

namespace wisp::passes {

// Turns Constant nodes into constant values (what the other passes can read).
bool constant_nodes_to_values(Graph& g);
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

}  // namespace wisp::passes
