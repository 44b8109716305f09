// Helpers for tests of the com.wisp NHWC ops: layout conversion of test tensors and one
// node run through a real Session at a chosen ISA and thread count.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"
#include "runtime/session.hpp"

namespace wisp::test {

// [N, C, H, W] -> [N, H, W, C] (to_nhwc) and back (to_nchw), any element type of 4 bytes
// or less handled through bytes.
inline Tensor permute4(const Tensor& t, const int perm[4]) {
  const Shape& s = t.shape();
  Shape out{s[perm[0]], s[perm[1]], s[perm[2]], s[perm[3]]};
  Tensor r(t.dtype(), out);
  const int64_t es = dtype_size(t.dtype());
  int64_t in_stride[4];
  in_stride[3] = 1;
  for (int d = 2; d >= 0; --d) in_stride[d] = in_stride[d + 1] * s[d + 1];
  const auto* src = static_cast<const uint8_t*>(t.data());
  auto* dst = static_cast<uint8_t*>(r.data());
  int64_t i = 0;
  for (int64_t a = 0; a < out[0]; ++a)
    for (int64_t b = 0; b < out[1]; ++b)
      for (int64_t c = 0; c < out[2]; ++c)
        for (int64_t d = 0; d < out[3]; ++d, ++i) {
          const int64_t at = a * in_stride[perm[0]] + b * in_stride[perm[1]] + c * in_stride[perm[2]] +
                             d * in_stride[perm[3]];
          for (int64_t k = 0; k < es; ++k) dst[i * es + k] = src[at * es + k];
        }
  return r;
}
inline Tensor to_nhwc(const Tensor& t) {
  static constexpr int kPerm[4] = {0, 2, 3, 1};
  return permute4(t, kPerm);
}
inline Tensor to_nchw(const Tensor& t) {
  static constexpr int kPerm[4] = {0, 3, 1, 2};
  return permute4(t, kPerm);
}

struct NodeInput {
  Tensor tensor;          // empty Tensor (default): an omitted optional input
  bool constant = false;  // an initializer (weights), as the layout pass leaves them
};

// Runs one node (op_type in `domain`) with graph inputs x0, x1... (or constants) and
// returns its first output.
inline Tensor run_node(const std::string& op_type, const std::string& domain, const std::vector<NodeInput>& ins,
                       const Attributes& attrs, Isa isa = Isa::kRef, int threads = 1) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = 21;
  if (!domain.empty()) g.opset_imports[domain] = 1;
  std::vector<Value*> values;
  std::vector<NamedTensorView> feeds;
  for (size_t i = 0; i < ins.size(); ++i) {
    const std::string name = "x" + std::to_string(i);
    if (ins[i].tensor.dtype() == DType::kUndefined) {
      values.push_back(nullptr);
    } else if (ins[i].constant) {
      values.push_back(g.add_constant(name, ins[i].tensor));
    } else {
      Value* v = g.add_value(name);
      v->dtype = ins[i].tensor.dtype();
      v->shape = SymShape{};
      for (int64_t d : ins[i].tensor.shape()) v->shape->push_back(SymDim{d, ""});
      g.inputs.push_back(v);
      values.push_back(v);
      feeds.push_back({name, ins[i].tensor.view()});
    }
  }
  while (!values.empty() && values.back() == nullptr) values.pop_back();
  Value* y = g.add_value("y");
  Node* n = g.add_node(op_type, "node", values, {y}, domain);
  n->attrs = attrs;
  g.outputs.push_back(y);
  SessionConfig config;
  config.max_isa = isa;
  config.threads = threads;
  Session s(model, config);
  return s.run(feeds).at(0);
}

}  // namespace wisp::test
