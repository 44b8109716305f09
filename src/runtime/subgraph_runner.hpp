// SubgraphRunner: runs an If/Loop/Scan body for the node that owns it.
//
// It owns a Session over the body (Session::for_subgraph), so the body is prepared (shapes
// inferred, constants folded, arena planned) once and re-prepared only when the shapes of
// what is bound change (a loop-carried value that grows, say). Per call it binds:
//   - the body's graph inputs, in order (Loop: iteration number, condition, carried values;
//     Scan: states and one slice per scan input; If: none);
//   - the body's outer references, by name, to the enclosing node's implicit inputs
//     (src/ir/implicit_inputs.hpp). Those whose data is known when the runner is made
//     (constants at prepare) are fixed as constants of the body session instead, so the
//     body folds what depends only on them.
// Outputs are views into the body session (arena, inputs or constants), valid until the
// next call: callers copy what they keep.
//
// A runner lives in the params struct of its node's step (made by the op's infer), so each
// Session has its own runners and the one-Session-per-thread rule covers them.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.hpp"
#include "runtime/session.hpp"

namespace wisp {

class SubgraphRunner {
 public:
  // `node`: the node owning `graph` (attribute `attr`); `node_inputs`: its input views as
  // infer sees them (data non-null only where known now).
  SubgraphRunner(std::shared_ptr<const Graph> graph, const Node& node, const std::string& attr,
                 std::span<const TensorView* const> node_inputs);

  const Graph& graph() const { return *graph_; }
  size_t num_inputs() const { return graph_->inputs.size(); }
  size_t num_outputs() const { return graph_->outputs.size(); }

  // Prepares the body for these graph-input types/shapes (data ignored) and returns the
  // output types: those the body computes, else those it declares, else kUndefined (an
  // output below a data-dependent shape in the body: its type is known once it runs, and
  // the node's kernel allocates it with that type).
  std::vector<DType> output_dtypes(std::span<const TensorView* const> node_inputs, std::span<const TensorView> inputs);

  // Runs the body; then output(i) is valid until the next run.
  void run(std::span<const TensorView* const> node_inputs, std::span<const TensorView> inputs);
  const TensorView& output(size_t i) const { return session_->output_view(i); }

  // "body of Loop 'loop1'": for error messages.
  const std::string& where() const { return where_; }

 private:
  void bind(std::span<const TensorView* const> node_inputs, std::span<const TensorView> inputs);

  std::shared_ptr<const Graph> graph_;
  std::string where_;
  std::unique_ptr<Session> session_;
  struct OuterBinding {
    size_t slot;       // index in bound_
    int node_input;    // index into the node's inputs
  };
  std::vector<OuterBinding> outer_;
  std::vector<NamedTensorView> bound_;  // graph inputs then unfixed outer refs (names set once)
};

// Finds the graph attribute `attr` of `node` or throws kInvalidModel naming the node.
std::shared_ptr<const Graph> require_subgraph(const Node& node, const std::string& attr);

}  // namespace wisp
