// Session: prepares a Model for given input shapes, then runs it.
//
// prepare() binds every symbolic input dimension, walks the nodes in topological order
// running each op's infer function on concrete shapes, folds every node whose inputs are
// all constants (and Shape/Size of known shapes) by running its kernel once, picks a
// kernel per remaining node, and plans one arena for all intermediate tensors and kernel
// scratch (src/planner). run() then only binds input pointers and calls kernels: no heap
// allocation, no locks. A node below a data-dependent shape (NonZero, NonMaxSuppression...)
// is a "dynamic step": its shapes are inferred and its outputs allocated while running.
//
// Subgraphs: Session::for_subgraph runs a Graph that is not a Model's top graph (an
// If/Loop/Scan body, see src/runtime/subgraph_runner.hpp). Its inputs are the graph's
// inputs followed by the placeholders of its outer references (Graph::outer_refs), all
// bound by name; outer references whose data is known when it is made are fixed as
// constants, so the subgraph folds what depends only on them.
//
// Thread safety: a Model is immutable and may be shared by any number of Sessions on any
// threads. A Session is for one thread at a time; calling run() on one Session from two
// threads at once throws Error(kBusy) on the second instead of corrupting the arena.
//
// Floating point: run() flushes denormals to zero on the calling thread while it runs
// (x86 MXCSR FTZ+DAZ, AArch64 FPCR.FZ; see runtime/denormals.hpp) and restores the
// caller's mode afterwards, as ONNX Runtime and XNNPACK do.
#pragma once
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.hpp"
#include "cpu/cpu_features.hpp"
#include "ir/graph.hpp"
#include "ir/op_registry.hpp"
#include "kernels/kernel_registry.hpp"

namespace wisp {

struct SessionConfig {
  // Value for each symbolic dimension name ("batch" -> 1). Unnamed or unbound symbolic
  // dims of graph inputs default to 1 only if `default_symbolic_dim` is >= 0.
  std::map<std::string, int64_t> dims;
  int64_t default_symbolic_dim = -1;
  Isa max_isa = best_isa();  // highest kernel ISA to use: the CPU's (capped by WISP_MAX_ISA)
  // Threads for kernels that split work (parallel_for), the calling thread included.
  // Results do not depend on it: every kernel splits work statically, same sums per output.
  int threads = 1;
  bool fold_constants = true;
  // Time every step of each run (steady_clock, into storage made at prepare: no allocation
  // while running); read with Session::step_timings(). Off: one predictable branch per step.
  bool profile = false;
};

struct SessionStats {
  int64_t arena_bytes = 0;        // size of the one arena (planned peak of intermediates + scratch)
  int64_t no_reuse_bytes = 0;     // what the same tensors would take with no reuse at all
  int64_t live_lower_bound = 0;   // largest sum of sizes live at one step (no plan can beat it)
  int64_t weight_bytes = 0;       // constants after folding
  int64_t folded_nodes = 0;       // nodes evaluated at prepare
  int64_t steps = 0;              // nodes run per inference
  int64_t dynamic_steps = 0;      // nodes whose shapes are only known while running
};

// Wall time of one step of the last run (SessionConfig::profile). `node` names the step
// (node->name, node->op_type) and lives as long as the model.
struct StepTiming {
  const Node* node = nullptr;
  int64_t nanoseconds = 0;
};

struct NamedTensorView {
  std::string name;
  TensorView view;
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model, SessionConfig config = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // A subgraph session (for_subgraph) has no model: model() throws there; graph() works for both.
  const Model& model() const;
  const Graph& graph() const { return *graph_; }

  // A session over `graph`, a subgraph of some model (it keeps `graph` alive, not the model;
  // the enclosing node's kernel keeps the model alive while it runs). `constants` fixes
  // inputs or outer references by name to data that must outlive the session.
  static std::unique_ptr<Session> for_subgraph(std::shared_ptr<const Graph> graph, SessionConfig config,
                                               std::map<std::string, TensorView> constants = {});
  // The values bound per run, in order: graph inputs, then outer-reference placeholders
  // (minus those fixed as constants).
  const std::vector<const Value*>& bound_inputs() const { return inputs_; }

  // Plans for these input shapes (inputs not named keep their declared static shape, with
  // symbolic dims taken from the config). Called by run() when input shapes change.
  // `input_dtypes` gives the type of inputs declared without one (subgraph inputs may be).
  void prepare(const std::map<std::string, Shape>& input_shapes,
               const std::map<std::string, DType>& input_dtypes = {});
  bool prepared() const { return prepared_; }

  // Runs with caller-owned inputs; outputs are copied into new tensors, in graph output order.
  std::vector<Tensor> run(const std::vector<NamedTensorView>& inputs);
  // Runs and writes into caller-owned outputs (graph output order, shapes must match
  // output_shape(i)). With a prepared session and unchanged input shapes, this path does
  // no heap allocation unless the model has dynamic steps.
  void run_into(const std::vector<NamedTensorView>& inputs, std::vector<TensorView>& outputs);

  // Runs without copying the outputs: read them with output_view(i), valid until the next
  // run or prepare (they may point into the arena, an input or a constant).
  void run_in_place(const std::vector<NamedTensorView>& inputs);
  const TensorView& output_view(size_t i) const;

  // After prepare: the concrete shape and type of each graph output (dynamic ones: rank 0 + flag).
  Shape output_shape(size_t i) const;
  DType output_dtype(size_t i) const;
  const SessionStats& stats() const { return stats_; }
  // After prepare: the type and shape of any value (data only for constants), or null for
  // values not reached (unused) or whose shape is only known while running.
  const TensorView* prepared_value(const Value* v) const;
  // After prepare: the nodes that run (folded ones excluded), in order.
  std::vector<const Node*> steps() const;
  int64_t arena_bytes() const { return stats_.arena_bytes; }
  // With SessionConfig::profile: one entry per step (steps() order) holding its time in
  // the last run (zeros before the first run). Empty when profiling is off.
  const std::vector<StepTiming>& step_timings() const;
  // The arena (for tests that check what run() touches against the plan).
  const std::byte* arena_data() const;

  struct Impl;

 private:
  void execute(const std::vector<NamedTensorView>& inputs);
  void bind_constants_and_inputs(const std::map<std::string, Shape>& input_shapes,
                                 const std::map<std::string, DType>& input_dtypes);
  void prepare_node(const Node& node);  // binds inputs, runs every step
  Session(std::shared_ptr<const Graph> graph, SessionConfig config, std::map<std::string, TensorView> constants);
  std::shared_ptr<const Model> model_;           // null for a subgraph session
  std::shared_ptr<const Graph> subgraph_;        // set for a subgraph session
  const Graph* graph_ = nullptr;                 // the graph run: model_->graph or *subgraph_
  std::vector<const Value*> inputs_;             // bound per run (see bound_inputs)
  std::map<std::string, TensorView> constants_;  // inputs fixed at construction (subgraphs)
  SessionConfig config_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<ThreadPool> pool_;  // null when config_.threads <= 1
  SessionStats stats_;
  bool prepared_ = false;
  std::atomic<bool> running_{false};
};

}  // namespace wisp
