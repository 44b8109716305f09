// The layout pass: which internal layout float convs and pools run in (docs/architecture.md
// "Internal layout"; the algorithm and the cost rule are explained in layout_nhwc.cpp).
#pragma once
#include <cstdint>
#include <string>

#include "ir/graph.hpp"

namespace wisp {

enum class Layout : uint8_t {
  kAuto,        // NHWC where it pays, if the CPU has a SIMD NhwcConv kernel; else NCHW
  kNchw,        // keep the ONNX layout
  kNhwc,        // NHWC where it pays (the cost rule), whatever the CPU's kernels
  kNhwcAlways,  // every eligible node in NHWC, no cost rule (tests, conformance runs)
};

// What the layout pass chose and what the optimized graph holds.
struct LayoutReport {
  std::string decision = "nchw";  // "nchw" or "nhwc"
  std::string reason;             // why (the gate or the cost rule's numbers)
  int nhwc_nodes = 0;             // com.wisp Nhwc* nodes in the final graph
  int conversions = 0;            // NCHW <-> NHWC Transposes left in the final graph
  int64_t conversion_elements = 0;  // their elements (symbolic dims as 1; -1 unknown)
  int trivial_conversions = 0;    // conversions that became Reshapes (size-1 axes only)
};

// kAuto resolved: the environment variable WISP_LAYOUT (auto, nchw, nhwc, nhwc-always)
// overrides it (the one place it is read: A/B timing from any tool), then the CPU gate.
// Other values are returned as they are.
Layout resolve_layout(Layout requested);
const char* layout_name(Layout layout);

// Counts the Nhwc nodes and the conversions left in `g` into `report`.
void count_layout(const Graph& g, LayoutReport& report);

namespace passes {
// Rewrites eligible Conv / MaxPool / AveragePool / GlobalAveragePool nodes into their NHWC
// forms when `layout` (resolved by resolve_layout) allows and the cost rule says it pays;
// sinks and cancels the conversions. Returns whether it changed the graph. `report`
// (optional) gets the decision and its reason when there was one to make.
bool layout_nhwc(Graph& g, Layout layout, LayoutReport* report = nullptr);
}  // namespace passes

}  // namespace wisp
