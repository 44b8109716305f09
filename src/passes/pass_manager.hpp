// The graph optimizer: a list of rewrite passes run to a fixed point.
//
// Each pass is one file (src/passes/<name>.cpp) exposing `bool <name>(Graph&)`, which
// rewrites the top-level graph in place and returns whether it changed anything. Passes
// keep the graph's inputs and outputs (names, order, types) and its numerical results
// (up to float rounding, e.g. BatchNormalization folded into weights). Subgraphs
// (If/Loop/Scan bodies) are left as they are. The manager runs the whole list again while
// any pass reports a change, up to OptimizeOptions::max_rounds, then verifies the graph.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.hpp"
#include "passes/layout_nhwc.hpp"

namespace wisp {

struct Pass {
  const char* name;
  bool (*run)(Graph&);
};

// Every pass, in the order they run within one round. The layout pass ("layout_nhwc",
// passes/layout_nhwc.hpp) takes the options' layout, so it is not in this list: it runs
// last in every round (disable it by name like the others).
const std::vector<Pass>& default_passes();

struct OptimizeOptions {
  int max_rounds = 8;                 // bound on fixed-point rounds over the pass list
  std::vector<std::string> disabled;  // pass names to skip
  Layout layout = Layout::kAuto;      // internal layout of float convs/pools (WISP_LAYOUT overrides kAuto)
};

struct OptimizeReport {
  int rounds = 0;
  std::vector<std::string> applied;  // names of passes that changed the graph, in order (with repeats)
  Layout layout_requested = Layout::kAuto;  // the options' layout, resolved (resolve_layout)
  LayoutReport layout;                      // what the layout pass chose and what is left
};

// Optimizes `graph` in place, then verify_graph()s it (throws kInvalidModel on a broken rewrite).
OptimizeReport optimize_graph(Graph& graph, const OptimizeOptions& options = {});

// A new, optimized Model; `model` (possibly shared by Sessions) is not touched.
std::shared_ptr<Model> optimize_model(const Model& model, const OptimizeOptions& options = {});

}  // namespace wisp
