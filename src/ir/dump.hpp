// A readable text form of a graph, for `wisp inspect --graph` and for test failure output:
//
//   graph main (ai.onnx opset 13)
//     input  image: f32[batch,1,28,28]
//     const  conv1.weight: f32[16,1,3,3]
//     %3: f32[batch,16,28,28] = Conv 'conv1'(image, conv1.weight, conv1.bias) {kernel_shape=[3,3], pads=[1,1,1,1]}
//     output logits
#pragma once
#include <string>

#include "ir/graph.hpp"

namespace wisp {

std::string dump_graph(const Graph& graph, int indent = 0);

}  // namespace wisp
