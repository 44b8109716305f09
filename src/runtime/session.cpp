#include "runtime/session.hpp"

#include <chrono>
#include <climits>
#include <cstring>
#include <new>

#include "core/status.hpp"
#include "runtime/arena_plan.hpp"
#include "runtime/denormals.hpp"
#include "runtime/evaluate_node.hpp"
#include "runtime/session_impl.hpp"
#include "runtime/thread_pool.hpp"

namespace wisp {
namespace {

// Gives kernels with dynamic outputs their memory: a fresh tensor per run (dynamic steps
// are the one documented place where running allocates).
class SlotAllocator final : public DynamicOutputAllocator {
 public:
  SlotAllocator(Session::Impl& impl, const Step& step) : impl_(impl), step_(step) {}
  TensorView& allocate(int output, DType dtype, const Shape& shape) override {
    WISP_ASSERT(output >= 0 && output < static_cast<int>(step_.out.size()) && step_.out[output] >= 0);
    const int s = step_.out[output];
    Tensor t(dtype, shape);
    impl_.slots[s].view = t.view();
    impl_.dynamic_storage[s] = std::move(t);
    return impl_.slots[s].view;
  }

 private:
  Session::Impl& impl_;
  const Step& step_;
};

Shape resolve_input_shape(const Value& v, const SessionConfig& config) {
  Shape s;
  WISP_CHECK(v.shape.has_value(), ErrorCode::kInvalidArgument, "input '", v.name,
             "' has no declared shape: pass its shape when preparing the session");
  for (size_t i = 0; i < v.shape->size(); ++i) {
    const SymDim& d = (*v.shape)[i];
    if (d.is_static()) {
      s.push_back(d.value);
      continue;
    }
    auto it = d.symbol.empty() ? config.dims.end() : config.dims.find(d.symbol);
    if (it != config.dims.end()) {
      s.push_back(it->second);
    } else if (config.default_symbolic_dim >= 0) {
      s.push_back(config.default_symbolic_dim);
    } else {
      fail(ErrorCode::kInvalidArgument, "input '", v.name, "' dimension ", i, " is symbolic (",
           d.symbol.empty() ? std::string("unnamed") : "'" + d.symbol + "'",
           "): give its size (e.g. --dim ", d.symbol.empty() ? "NAME" : d.symbol, "=1) or the input's shape");
    }
  }
  return s;
}

int add_slot(Session::Impl& im, const Value* v) {
  WISP_ASSERT(im.slots.size() < im.slots.capacity());  // steps hold pointers into slots
  im.slots.push_back(Slot{});
  im.slots.back().value = v;
  im.slot_of[v] = static_cast<int>(im.slots.size() - 1);
  return static_cast<int>(im.slots.size() - 1);
}

// Runs a node whose inputs are all known at prepare; its outputs become constants.
void fold_step(Session::Impl& im, Step& step, SessionStats& stats, ThreadPool* pool) {
  const Node& node = *step.node;
  std::vector<const TensorView*> in_ptrs;
  for (int s : step.in) in_ptrs.push_back(s >= 0 ? &im.slots[s].view : nullptr);
  std::vector<InferContext::OutputInfo> outs(step.out.size());
  for (size_t i = 0; i < step.out.size(); ++i) {
    const int s = step.out[i];
    if (s < 0) continue;
    outs[i] = {im.slots[s].view.dtype, im.slots[s].view.shape, true, im.slots[s].kind == Slot::Kind::kDynamic};
  }
  std::vector<Tensor> made = run_node_once(node, step.fn, step.params ? step.params->get() : nullptr,
                                           step.scratch_bytes, in_ptrs, outs, pool);
  for (size_t i = 0; i < step.out.size(); ++i) {
    const int s = step.out[i];
    if (s < 0) continue;
    auto t = std::make_shared<const Tensor>(std::move(made[i]));
    im.slots[s].view = t->view();
    im.slots[s].kind = Slot::Kind::kConstant;
    stats.weight_bytes += im.slots[s].view.bytes();
    im.folded.push_back(std::move(t));
  }
  ++stats.folded_nodes;
}

}  // namespace

Session::Session(std::shared_ptr<const Model> model, SessionConfig config)
    : model_(std::move(model)), config_(std::move(config)), impl_(std::make_unique<Impl>()) {
  WISP_CHECK(model_ != nullptr, ErrorCode::kInvalidArgument, "Session: model is null");
  graph_ = &model_->graph;
  if (config_.threads > 1) pool_ = std::make_unique<ThreadPool>(config_.threads);
  inputs_.assign(graph_->inputs.begin(), graph_->inputs.end());
}

Session::Session(std::shared_ptr<const Graph> graph, SessionConfig config, std::map<std::string, TensorView> constants)
    : subgraph_(std::move(graph)), constants_(std::move(constants)), config_(std::move(config)),
      impl_(std::make_unique<Impl>()) {
  WISP_CHECK(subgraph_ != nullptr, ErrorCode::kInvalidArgument, "Session: subgraph is null");
  graph_ = subgraph_.get();
  if (config_.threads > 1) pool_ = std::make_unique<ThreadPool>(config_.threads);
  std::vector<const Value*> all(graph_->inputs.begin(), graph_->inputs.end());
  for (const std::string& name : graph_->outer_refs) {
    const Value* v = graph_->find_value(name);
    WISP_CHECK(v != nullptr && !v->producer && !v->is_constant(), ErrorCode::kInvalidModel, "subgraph '",
               graph_->name, "': outer reference '", name, "' has no placeholder value");
    all.push_back(v);
  }
  for (const auto& [name, view] : constants_) {
    bool found = false;
    for (const Value* v : all) found |= v->name == name;
    WISP_CHECK(found, ErrorCode::kInvalidArgument, "subgraph '", graph_->name, "' has no input or outer reference '",
               name, "' to fix as a constant");
  }
  for (const Value* v : all)
    if (!constants_.count(v->name)) inputs_.push_back(v);
}

std::unique_ptr<Session> Session::for_subgraph(std::shared_ptr<const Graph> graph, SessionConfig config,
                                               std::map<std::string, TensorView> constants) {
  return std::unique_ptr<Session>(new Session(std::move(graph), std::move(config), std::move(constants)));
}

const Model& Session::model() const {
  WISP_CHECK(model_ != nullptr, ErrorCode::kInvalidArgument, "Session::model: a subgraph session has no model");
  return *model_;
}

Session::~Session() = default;

const std::byte* Session::arena_data() const { return impl_->arena.get(); }

void Session::prepare(const std::map<std::string, Shape>& input_shapes,
                      const std::map<std::string, DType>& input_dtypes) {
  prepared_ = false;
  impl_ = std::make_unique<Impl>();
  stats_ = {};
  Impl& im = *impl_;
  const Graph& g = *graph_;
  for (const auto& [name, shape] : input_shapes) {
    bool found = false;
    for (const Value* in : inputs_) found |= in->name == name;
    WISP_CHECK(found, ErrorCode::kInvalidArgument, "the model has no input named '", name, "'");
  }
  // Slots are addressed by pointer from here on: reserve so they never move.
  im.slots.reserve(g.values().size());
  bind_constants_and_inputs(input_shapes, input_dtypes);
  for (const auto& node : g.nodes()) prepare_node(*node);
  stats_.steps = static_cast<int64_t>(im.steps.size());
  for (const Value* v : g.outputs) {
    auto it = im.slot_of.find(v);
    WISP_CHECK(it != im.slot_of.end(), ErrorCode::kInvalidModel, "graph output '", v->name, "' is never produced");
    im.output_slots.push_back(it->second);
    im.slots[it->second].last_use_step = kLiveToEnd;
  }
  plan_arena(im, stats_);
  im.dynamic_storage.assign(im.slots.size(), Tensor{});
  if (config_.profile)
    for (const Step& st : im.steps) im.timings.push_back(StepTiming{st.node, 0});
  prepared_ = true;
}

void Session::bind_constants_and_inputs(const std::map<std::string, Shape>& input_shapes,
                                        const std::map<std::string, DType>& input_dtypes) {
  Impl& im = *impl_;
  const Graph& g = *graph_;
  for (const auto& v : g.values()) {
    if (!v->is_constant()) continue;
    Slot& s = im.slots[add_slot(im, v.get())];
    s.kind = Slot::Kind::kConstant;
    s.view = v->constant->view();
    stats_.weight_bytes += v->constant->bytes();
  }
  for (const auto& [name, view] : constants_) {  // subgraph inputs fixed at construction
    Slot& s = im.slots[add_slot(im, g.find_value(name))];
    s.kind = Slot::Kind::kConstant;
    s.view = view;
  }
  for (const Value* v : inputs_) {
    auto it = input_shapes.find(v->name);
    Shape shape = it != input_shapes.end() ? it->second : resolve_input_shape(*v, config_);
    for (int64_t d : shape)
      WISP_CHECK(d >= 0, ErrorCode::kInvalidArgument, "input '", v->name, "': negative dimension in ", shape.str());
    DType dtype = v->dtype;
    if (auto dt = input_dtypes.find(v->name); dtype == DType::kUndefined && dt != input_dtypes.end()) dtype = dt->second;
    WISP_CHECK(dtype_size(dtype) > 0, ErrorCode::kUnsupported, "input '", v->name, "' has type ",
               dtype_name(dtype), ", which is not supported");
    const int si = add_slot(im, v);
    im.slots[si].kind = Slot::Kind::kInput;
    im.slots[si].view = TensorView{dtype, shape, nullptr};
    (void)im.slots[si].view.bytes();  // overflow check
    im.input_slots.push_back(si);
  }
}

// Infers one node on concrete shapes, then either folds it (all inputs known) or appends
// a step; below a data-dependent shape the step is dynamic (inferred again while running).
void Session::prepare_node(const Node& node) {
  Impl& im = *impl_;
  const OpSchema* schema = find_op_schema(node.domain, node.op_type);
  WISP_CHECK(schema != nullptr, ErrorCode::kUnsupported, node.label(), ": op is not supported");
  std::vector<int> in_slots;
  bool all_const = true, any_dynamic = false;
  for (const Value* v : node.inputs) {
    if (!v) {
      in_slots.push_back(-1);
      continue;
    }
    auto it = im.slot_of.find(v);
    WISP_CHECK(it != im.slot_of.end(), ErrorCode::kInvalidModel, node.label(), ": input '", v->name,
               "' is not defined before use");
    in_slots.push_back(it->second);
    const Slot& s = im.slots[it->second];
    all_const &= s.kind == Slot::Kind::kConstant || (schema->reads_only_shapes && s.kind != Slot::Kind::kDynamic);
    any_dynamic |= s.kind == Slot::Kind::kDynamic;
  }
  std::vector<int> out_slots;
  for (const Value* v : node.outputs) out_slots.push_back(v ? add_slot(im, v) : -1);

  Step step;
  step.node = &node;
  step.schema = schema;
  step.in = in_slots;
  step.out = out_slots;

  if (!any_dynamic) {
    std::vector<const TensorView*> views;
    for (int s : in_slots) views.push_back(s >= 0 ? &im.slots[s].view : nullptr);
    InferContext ctx(node, views, /*values_known=*/false);
    ctx.set_kernel_isa(static_cast<uint8_t>(config_.max_isa));
    ctx.set_threads(config_.threads);
    bool needs_run_values = false;
    try {
      with_node_context(node, [&] { schema->infer(ctx); });
    } catch (const ValueKnownOnlyAtRun&) {
      needs_run_values = true;
    }
    if (needs_run_values) {
      any_dynamic = true;
      step.dynamic = true;
      for (int s : out_slots)
        if (s >= 0) im.slots[s].kind = Slot::Kind::kDynamic;
    }
    for (size_t i = 0; i < out_slots.size() && !needs_run_values; ++i) {
      if (out_slots[i] < 0) continue;
      const auto& info = ctx.outputs()[i];
      WISP_CHECK(info.set, ErrorCode::kInternal, node.label(), ": infer did not set output ", i);
      Slot& os = im.slots[out_slots[i]];
      os.view = TensorView{info.dtype, info.shape, nullptr};
      os.kind = info.dynamic ? Slot::Kind::kDynamic : Slot::Kind::kArena;
      step.has_dynamic_output |= info.dynamic;
    }
    if (!needs_run_values) {
      step.scratch_bytes = ctx.scratch_bytes();
      step.params = ctx.take_params();
    }
  } else {
    step.dynamic = true;
    for (int s : out_slots)
      if (s >= 0) im.slots[s].kind = Slot::Kind::kDynamic;
  }

  const DType key = !in_slots.empty() && in_slots[0] >= 0 ? im.slots[in_slots[0]].view.dtype : DType::kUndefined;
  step.fn = find_kernel(node.domain, node.op_type, key, config_.max_isa);
  WISP_CHECK(step.fn != nullptr, ErrorCode::kUnsupported, node.label(), ": no kernel for element type ",
             dtype_name(key));

  if (config_.fold_constants && all_const && !any_dynamic && !schema->nondeterministic) {
    fold_step(im, step, stats_, pool_.get());  // evaluated now: outputs become constants, no step at run
    return;
  }
  const int step_index = static_cast<int>(im.steps.size());
  for (int s : in_slots)
    if (s >= 0) im.slots[s].last_use_step = step_index;
  for (int s : out_slots)
    if (s >= 0) im.slots[s].producer_step = step_index;
  stats_.dynamic_steps += step.dynamic ? 1 : 0;
  im.steps.push_back(std::move(step));
}

const TensorView* Session::prepared_value(const Value* v) const {
  auto it = impl_->slot_of.find(v);
  if (!prepared_ || it == impl_->slot_of.end()) return nullptr;
  const Slot& s = impl_->slots[it->second];
  return s.kind == Slot::Kind::kDynamic ? nullptr : &s.view;
}

std::vector<const Node*> Session::steps() const {
  std::vector<const Node*> out;
  for (const Step& st : impl_->steps) out.push_back(st.node);
  return out;
}

Shape Session::output_shape(size_t i) const {
  WISP_CHECK(prepared_ && i < impl_->output_slots.size(), ErrorCode::kInvalidArgument, "output ", i, " does not exist");
  return impl_->slots[impl_->output_slots[i]].view.shape;
}

DType Session::output_dtype(size_t i) const {
  WISP_CHECK(prepared_ && i < impl_->output_slots.size(), ErrorCode::kInvalidArgument, "output ", i, " does not exist");
  return impl_->slots[impl_->output_slots[i]].view.dtype;
}

namespace {

// Times one step into `out` when profiling (out != null); otherwise does nothing.
class StepTimer {
 public:
  explicit StepTimer(int64_t* out) : out_(out) {
    if (out_) start_ = std::chrono::steady_clock::now();
  }
  ~StepTimer() {
    if (out_)
      *out_ = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
  }
  StepTimer(const StepTimer&) = delete;
  StepTimer& operator=(const StepTimer&) = delete;

 private:
  int64_t* out_;
  std::chrono::steady_clock::time_point start_;
};

class RunGuard {
 public:
  explicit RunGuard(std::atomic<bool>& flag) : flag_(flag) {
    bool expected = false;
    WISP_CHECK(flag_.compare_exchange_strong(expected, true), ErrorCode::kBusy,
               "Session::run was called from two threads at once; use one Session per thread (they can share a Model)");
  }
  ~RunGuard() { flag_.store(false); }

 private:
  std::atomic<bool>& flag_;
};

}  // namespace

void Session::run_into(const std::vector<NamedTensorView>& inputs, std::vector<TensorView>& outputs) {
  RunGuard guard(running_);
  execute(inputs);
  Impl& im = *impl_;
  WISP_CHECK(outputs.size() == im.output_slots.size(), ErrorCode::kInvalidArgument, "run_into: ", outputs.size(),
             " output buffers given, the model has ", im.output_slots.size(), " outputs");
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorView& src = im.slots[im.output_slots[i]].view;
    WISP_CHECK(outputs[i].dtype == src.dtype && outputs[i].shape == src.shape, ErrorCode::kInvalidArgument,
               "output ", i, " buffer is ", dtype_name(outputs[i].dtype), outputs[i].shape.str(), " but the output is ",
               dtype_name(src.dtype), src.shape.str());
    if (src.bytes() > 0) std::memcpy(outputs[i].data, src.data, static_cast<size_t>(src.bytes()));
  }
}

const std::vector<StepTiming>& Session::step_timings() const { return impl_->timings; }

void Session::execute(const std::vector<NamedTensorView>& inputs) {
  DenormalsFlushedToZero flush_denormals;
  const std::vector<const Value*>& g_inputs = inputs_;
  // Re-prepare only when an input shape (or, for inputs declared without a type, its
  // type) differs from the prepared one.
  bool shapes_match = prepared_;
  for (const NamedTensorView& in : inputs) {
    size_t k = 0;
    while (k < g_inputs.size() && g_inputs[k]->name != in.name) ++k;
    WISP_CHECK(k < g_inputs.size(), ErrorCode::kInvalidArgument, "the model has no input named '", in.name, "'");
    if (!shapes_match) continue;
    const TensorView& prepared = impl_->slots[impl_->input_slots[k]].view;
    if (!(prepared.shape == in.view.shape)) shapes_match = false;
    if (g_inputs[k]->dtype == DType::kUndefined && prepared.dtype != in.view.dtype) shapes_match = false;
  }
  for (const Value* v : g_inputs) {
    bool given = false;
    for (const NamedTensorView& in : inputs) given |= in.name == v->name;
    WISP_CHECK(given, ErrorCode::kInvalidArgument, "input '", v->name, "' is missing");
  }
  if (!shapes_match) {
    std::map<std::string, Shape> shapes;
    std::map<std::string, DType> dtypes;
    for (const NamedTensorView& in : inputs) {
      shapes[in.name] = in.view.shape;
      dtypes[in.name] = in.view.dtype;
    }
    prepare(shapes, dtypes);
  }
  Impl& im = *impl_;
  for (size_t k = 0; k < g_inputs.size(); ++k) {
    const NamedTensorView* found = nullptr;
    for (const NamedTensorView& in : inputs)
      if (in.name == g_inputs[k]->name) found = &in;
    WISP_CHECK(found != nullptr, ErrorCode::kInvalidArgument, "input '", g_inputs[k]->name, "' is missing");
    Slot& s = im.slots[im.input_slots[k]];
    WISP_CHECK(found->view.dtype == s.view.dtype, ErrorCode::kInvalidArgument, "input '", found->name, "' has type ",
               dtype_name(found->view.dtype), " but the model expects ", dtype_name(s.view.dtype));
    WISP_CHECK(found->view.data != nullptr || found->view.numel() == 0, ErrorCode::kInvalidArgument, "input '",
               found->name, "' has no data");
    s.view.data = found->view.data;
  }

  StepTiming* timing = im.timings.empty() ? nullptr : im.timings.data();
  for (Step& st : im.steps) {
    StepTimer timer(timing ? &(timing++)->nanoseconds : nullptr);
    const Node& node = *st.node;
    const void* params = st.params ? st.params->get() : nullptr;
    if (st.dynamic) {
      // Below a data-dependent shape: infer again on the real tensors and allocate outputs.
      std::vector<const TensorView*> views;
      for (int s : st.in) views.push_back(s >= 0 ? &im.slots[s].view : nullptr);
      InferContext ctx(node, views, /*values_known=*/true);
      ctx.set_kernel_isa(static_cast<uint8_t>(config_.max_isa));
      ctx.set_threads(config_.threads);
      with_node_context(node, [&] { st.schema->infer(ctx); });
      for (size_t i = 0; i < st.out.size(); ++i) {
        if (st.out[i] < 0) continue;
        const auto& info = ctx.outputs()[i];
        im.slots[st.out[i]].view = TensorView{info.dtype, info.shape, nullptr};
        if (!info.dynamic) {
          Tensor t(info.dtype, info.shape);
          im.slots[st.out[i]].view = t.view();
          im.dynamic_storage[st.out[i]] = std::move(t);
        }
      }
      st.params = ctx.take_params();
      params = st.params ? st.params->get() : nullptr;
      if (ctx.scratch_bytes() > 0) {
        Tensor scratch(DType::kU8, Shape{ctx.scratch_bytes()});
        SlotAllocator alloc(im, st);
        KernelArgs args{&node, params, st.in_ptrs, st.out_ptrs, scratch.data(), ctx.scratch_bytes(), &alloc, pool_.get()};
        with_node_context(node, [&] { st.fn(args); });
        continue;
      }
    }
    SlotAllocator alloc(im, st);
    KernelArgs args{&node, params, st.in_ptrs, st.out_ptrs, st.scratch, st.scratch_bytes,
                    (st.dynamic || st.has_dynamic_output) ? &alloc : nullptr, pool_.get()};
    with_node_context(node, [&] { st.fn(args); });
  }

}

void Session::run_in_place(const std::vector<NamedTensorView>& inputs) {
  RunGuard guard(running_);
  execute(inputs);
}

const TensorView& Session::output_view(size_t i) const {
  WISP_CHECK(prepared_ && i < impl_->output_slots.size(), ErrorCode::kInvalidArgument, "output ", i, " does not exist");
  return impl_->slots[impl_->output_slots[i]].view;
}

std::vector<Tensor> Session::run(const std::vector<NamedTensorView>& inputs) {
  RunGuard guard(running_);
  execute(inputs);
  std::vector<Tensor> result;
  for (int s : impl_->output_slots) result.push_back(Tensor::copy_of(impl_->slots[s].view));
  return result;
}

}  // namespace wisp
