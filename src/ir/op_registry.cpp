#include "ir/op_registry.hpp"

#include <map>
#include <utility>

#include "core/status.hpp"

namespace wisp {
namespace {

std::map<std::pair<std::string, std::string>, OpSchema>& schemas() {
  static std::map<std::pair<std::string, std::string>, OpSchema> registry;
  return registry;
}

}  // namespace

OpRegistrar::OpRegistrar(const OpSchema& schema) {
  auto key = std::make_pair(std::string(schema.domain), std::string(schema.op_type));
  if (schemas().count(key)) {
    // Two files registering one op is a build mistake; fail loudly at start-up.
    fail(ErrorCode::kInternal, "op ", schema.op_type, " registered twice");
  }
  schemas().emplace(std::move(key), schema);
}

const OpSchema* find_op_schema(std::string_view domain, std::string_view op_type) {
  std::string d(domain);
  if (d == "ai.onnx") d.clear();
  auto it = schemas().find({d, std::string(op_type)});
  return it == schemas().end() ? nullptr : &it->second;
}

std::vector<const OpSchema*> all_op_schemas() {
  std::vector<const OpSchema*> out;
  for (auto& [k, s] : schemas()) out.push_back(&s);
  return out;
}

InferContext::InferContext(const Node& node, std::vector<const TensorView*> inputs, bool values_known)
    : node_(node), inputs_(std::move(inputs)), values_known_(values_known), outputs_(node.outputs.size()) {}

const TensorView& InferContext::input(int i) const {
  if (!has_input(i)) fail_invalid(str_cat("input ", i, " is required but missing"));
  return *inputs_[i];
}

const TensorView* InferContext::input_value(int i) const {
  if (!has_input(i)) return nullptr;
  const TensorView* v = inputs_[i];
  if (v->data == nullptr && v->numel() > 0) return nullptr;
  if (!values_known_ && v->data == nullptr) return nullptr;
  return v;
}

const TensorView& InferContext::require_input_value(int i, const char* what) const {
  const TensorView* v = input_value(i);
  if (!v && has_input(i) && !values_known_) throw ValueKnownOnlyAtRun{i};
  if (!v)
    fail_unsupported(str_cat("input ", i, " (", what,
                             ") must be known before running (a constant or computed from constants and shapes)"));
  return *v;
}

std::vector<int64_t> InferContext::input_ints(int i, const char* what) const {
  const TensorView& v = require_input_value(i, what);
  if (!dtype_is_integer(v.dtype)) fail_invalid(str_cat("input ", i, " (", what, ") must be an integer tensor"));
  if (v.shape.rank() > 1) fail_invalid(str_cat("input ", i, " (", what, ") must be 1-D, got shape ", v.shape.str()));
  std::vector<int64_t> out(static_cast<size_t>(v.numel()));
  for (size_t k = 0; k < out.size(); ++k) out[k] = element_as_int(v, static_cast<int64_t>(k));
  return out;
}

void InferContext::set_output(int i, DType dtype, const Shape& shape) {
  WISP_ASSERT(i >= 0 && i < num_outputs());
  for (int64_t d : shape)
    if (d < 0) fail_invalid(str_cat("output ", i, " would have negative dimension: ", shape.str()));
  (void)shape.numel();  // throws if the element count overflows
  outputs_[i] = OutputInfo{dtype, shape, true, false};
}

void InferContext::set_output_dynamic(int i, DType dtype) {
  WISP_ASSERT(i >= 0 && i < num_outputs());
  outputs_[i] = OutputInfo{dtype, Shape{}, true, true};
}

void InferContext::request_scratch(int64_t bytes) {
  WISP_CHECK(bytes >= 0 && bytes <= kMaxTensorBytes, ErrorCode::kResourceExhausted, node_.label(),
             ": scratch of ", bytes, " bytes is over the limit");
  scratch_bytes_ = bytes;
}

void InferContext::fail_invalid(const std::string& msg) const {
  fail(ErrorCode::kInvalidModel, node_.label(), ": ", msg);
}
void InferContext::fail_unsupported(const std::string& msg) const {
  fail(ErrorCode::kUnsupported, node_.label(), ": ", msg);
}

}  // namespace wisp
