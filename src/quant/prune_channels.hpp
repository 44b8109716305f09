// Structured channel pruning of Conv layers (see prune.hpp for what is followed and what
// makes a layer be skipped). Internal to src/quant.
#pragma once
#include <vector>

#include "ir/graph.hpp"
#include "quant/prune.hpp"

namespace wisp::quant {

// Removes `ratio` of the output channels of every prunable Conv of `g` (in place); one
// PruneLayer per Conv considered.
void prune_conv_channels(Graph& g, double ratio, std::vector<PruneLayer>& layers);

}  // namespace wisp::quant
