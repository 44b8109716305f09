// The op registry. Each op declares, in its own file under src/ir/ops/, an OpSchema:
// arity, in-place/alias behaviour, and an infer function that validates attributes and
// input types, computes concrete output types and shapes, and fills the params struct
// its kernels read. Registration is static (WISP_REGISTER_OP); see docs/adding_an_op.md.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"

namespace wisp {

// Type-erased holder for an op's params struct (a plain struct from src/kernels/ref).
struct OpParamsHolder {
  virtual ~OpParamsHolder() = default;
  virtual const void* get() const = 0;
};
template <class P>
struct OpParamsOf final : OpParamsHolder {
  P value{};
  const void* get() const override { return &value; }
};

// What an infer function sees: concrete input types and shapes (all symbolic dims are
// bound by the time it runs), the values of inputs that are constant at prepare time,
// and the node's attributes. It runs once at prepare, or, below a data-dependent
// shape, again at run time.
class InferContext {
 public:
  InferContext(const Node& node, std::vector<const TensorView*> inputs, bool values_known);

  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  int opset() const { return node_.opset; }

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs_[i] != nullptr; }
  DType input_dtype(int i) const { return input(i).dtype; }
  const Shape& input_shape(int i) const { return input(i).shape; }
  // The input's data if it is known now (a constant, or any input at run time); else null.
  const TensorView* input_value(int i) const;
  // The input's data, or a kInvalidModel/kUnsupported error saying it must be constant.
  const TensorView& require_input_value(int i, const char* what) const;
  // Reads a 1-D integer input (axes, pads, shape...) as int64s; requires its value known.
  std::vector<int64_t> input_ints(int i, const char* what) const;

  int num_outputs() const { return static_cast<int>(node_.outputs.size()); }
  bool has_output(int i) const { return node_.has_output(static_cast<size_t>(i)); }
  void set_output(int i, DType dtype, const Shape& shape);
  // For data-dependent shapes (NonZero, NonMaxSuppression...): the kernel allocates the
  // output with KernelArgs::alloc_output once it knows the size.
  void set_output_dynamic(int i, DType dtype);
  // Kernel scratch memory, planned in the arena like any tensor.
  void request_scratch(int64_t bytes);
  // The ISA the session picks kernels for (an `Isa` value of kernels/kernel_registry.hpp,
  // kept as an integer so the IR does not depend on the kernel layer), so that infer can
  // size the scratch of the kernel that will actually run rather than the largest of all.
  // 0 (the reference kernels) unless the session sets it.
  void set_kernel_isa(uint8_t isa) { kernel_isa_ = isa; }
  uint8_t kernel_isa() const { return kernel_isa_; }
  // The session's thread count: kernels with per-thread scratch size it by this.
  void set_threads(int threads) { threads_ = threads < 1 ? 1 : threads; }
  int threads() const { return threads_; }

  // The params struct handed to the kernel (created on first call).
  template <class P> P& params() {
    if (!params_) params_ = std::make_unique<OpParamsOf<P>>();
    return static_cast<OpParamsOf<P>*>(params_.get())->value;
  }

  [[noreturn]] void fail_invalid(const std::string& msg) const;  // kInvalidModel
  [[noreturn]] void fail_unsupported(const std::string& msg) const;  // kUnsupported

  // Results, read by the runtime.
  struct OutputInfo {
    DType dtype = DType::kUndefined;
    Shape shape;
    bool set = false;
    bool dynamic = false;
  };
  const std::vector<OutputInfo>& outputs() const { return outputs_; }
  int64_t scratch_bytes() const { return scratch_bytes_; }
  std::unique_ptr<OpParamsHolder> take_params() { return std::move(params_); }

 private:
  const TensorView& input(int i) const;
  const Node& node_;
  std::vector<const TensorView*> inputs_;
  bool values_known_;
  std::vector<OutputInfo> outputs_;
  int64_t scratch_bytes_ = 0;
  uint8_t kernel_isa_ = 0;
  int threads_ = 1;
  std::unique_ptr<OpParamsHolder> params_;
};

// Thrown by require_input_value/input_ints at prepare when an input's value decides an
// output shape but is only known while running (Reshape's shape fed as a graph input...).
// The session catches it and makes the node a dynamic step: inferred again at run time.
struct ValueKnownOnlyAtRun {
  int input = -1;
};

using InferFn = void (*)(InferContext&);

struct OpSchema {
  std::string_view op_type;
  std::string_view domain = "";  // "" is ai.onnx
  int min_inputs = 1, max_inputs = 1;
  int min_outputs = 1, max_outputs = 1;
  InferFn infer = nullptr;
  // Output 0 may be written over input `inplace_input` when that input dies at this node
  // and has the same byte size (elementwise ops): the kernel must allow out == in.
  int inplace_input = -1;
  // Output 0 is input 0's bytes reinterpreted (Reshape, Flatten, Squeeze, Identity...):
  // the planner makes it share input 0's buffer when it can, the kernel then copies nothing.
  bool alias_input0 = false;
  // The kernel reads only input shapes, never data (Shape, Size): fold at prepare.
  bool reads_only_shapes = false;
  // Outputs differ between runs with the same inputs (random ops): never constant-fold.
  bool nondeterministic = false;
};

const OpSchema* find_op_schema(std::string_view domain, std::string_view op_type);
std::vector<const OpSchema*> all_op_schemas();

struct OpRegistrar {
  explicit OpRegistrar(const OpSchema& schema);
};

#define WISP_CONCAT_INNER(a, b) a##b
#define WISP_CONCAT(a, b) WISP_CONCAT_INNER(a, b)
// WISP_REGISTER_OP({.op_type = "Relu", .infer = infer_relu, .inplace_input = 0});
#define WISP_REGISTER_OP(...) \
  static const ::wisp::OpRegistrar WISP_CONCAT(wisp_op_registrar_, __COUNTER__)(::wisp::OpSchema __VA_ARGS__)

}  // namespace wisp
