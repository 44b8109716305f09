// The attributes by which a fused activation rides on a Conv or Gemm node (set by
// src/passes/activation_fusion.cpp, read by those ops' infer functions into the kernel's
// ref::Epilogue). They are Wisp's own: an exported ONNX file must unfuse them first.
#pragma once
#include <string_view>

#include "ir/op_registry.hpp"
#include "kernels/ref/epilogue.hpp"

namespace wisp {

inline constexpr const char* kActivationAttr = "wisp_activation";             // "Relu", "Clip", ...
inline constexpr const char* kActivationAlphaAttr = "wisp_activation_alpha";  // see ref::Epilogue
inline constexpr const char* kActivationBetaAttr = "wisp_activation_beta";
// On a Conv: input 3 is a residual added before the activation (passes/fuse_residual_add.cpp).
inline constexpr const char* kResidualAttr = "wisp_residual";

// The activation op names that can be fused, mapped to the epilogue; kNone if not one.
ref::EpilogueAct epilogue_act_of(std::string_view op_type);

// Reads the node's fused activation (kNone when it has none); fails naming the node for an
// unknown activation name.
ref::Epilogue read_epilogue(const InferContext& ctx);

}  // namespace wisp
