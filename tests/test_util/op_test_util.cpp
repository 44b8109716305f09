#include "test_util/op_test_util.hpp"

#include <cmath>
#include <random>

#include "ir/graph.hpp"
#include "runtime/session.hpp"

namespace wisp::test {

std::vector<Tensor> run_op(const std::string& op_type, const std::vector<OpInput>& inputs, const Attributes& attrs,
                           int num_outputs, int opset, int threads) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = opset;
  std::vector<Value*> ins;
  std::vector<NamedTensorView> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const OpInput& in = inputs[i];
    if (in.tensor.empty()) {
      ins.push_back(nullptr);
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    if (in.constant) {
      ins.push_back(g.add_constant(name, in.tensor));
      continue;
    }
    Value* v = g.add_value(name);
    v->dtype = in.tensor.dtype();
    SymShape s;
    for (int64_t d : in.tensor.shape()) s.push_back(SymDim{d, ""});
    v->shape = s;
    g.inputs.push_back(v);
    ins.push_back(v);
    feeds.push_back(NamedTensorView{name, in.tensor.view()});
  }
  std::vector<Value*> outs;
  for (int i = 0; i < num_outputs; ++i) outs.push_back(g.add_value("out" + std::to_string(i)));
  Node* n = g.add_node(op_type, "node", ins, outs);
  n->attrs = attrs;
  g.outputs = outs;
  SessionConfig config;
  config.threads = threads;
  Session session(model, config);
  return session.run(feeds);
}

Tensor run_op1(const std::string& op_type, const std::vector<Tensor>& inputs, const Attributes& attrs) {
  std::vector<OpInput> in;
  for (const Tensor& t : inputs) in.push_back(OpInput{t, false});
  return run_op(op_type, in, attrs, 1).at(0);
}

Tensor random_f32(const Shape& shape, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  Tensor t(DType::kF32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = u(rng);
  return t;
}

::testing::AssertionResult tensors_near(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  if (actual.dtype() != expected.dtype())
    return ::testing::AssertionFailure() << "type " << dtype_name(actual.dtype()) << " != expected "
                                         << dtype_name(expected.dtype());
  if (!(actual.shape() == expected.shape()))
    return ::testing::AssertionFailure() << "shape " << actual.shape().str() << " != expected " << expected.shape().str();
  for (int64_t i = 0; i < actual.numel(); ++i) {
    const double a = actual.scalar_as_double(i), b = expected.scalar_as_double(i);
    if (std::isnan(a) && std::isnan(b)) continue;
    if (!(std::fabs(a - b) <= atol + rtol * std::fabs(b)))
      return ::testing::AssertionFailure() << "element " << i << ": " << a << " != expected " << b;
  }
  return ::testing::AssertionSuccess();
}


std::vector<Tensor> call_kernel(KernelFn fn, const void* params, const std::vector<const Tensor*>& ins,
                                const std::vector<Shape>& out_shapes, ThreadPool* pool, void* scratch) {
  std::vector<TensorView> views(ins.size());
  std::vector<const TensorView*> in_ptrs(ins.size(), nullptr);
  for (size_t i = 0; i < ins.size(); ++i)
    if (ins[i]) in_ptrs[i] = &(views[i] = ins[i]->view());
  std::vector<Tensor> outs;
  for (const Shape& s : out_shapes) {
    outs.emplace_back(DType::kF32, s);
    for (int64_t i = 0; i < outs.back().numel(); ++i) outs.back().as<float>()[i] = -12345.0f;
  }
  std::vector<TensorView> out_views;
  for (Tensor& t : outs) out_views.push_back(t.view());
  std::vector<TensorView*> out_ptrs;
  for (TensorView& v : out_views) out_ptrs.push_back(&v);
  KernelArgs args{nullptr, params, in_ptrs, out_ptrs, scratch, 0, nullptr, pool};
  fn(args);
  return outs;
}

Tensor call_kernel1(KernelFn fn, const void* params, const std::vector<const Tensor*>& ins, const Shape& out_shape,
                    ThreadPool* pool, void* scratch) {
  return std::move(call_kernel(fn, params, ins, {out_shape}, pool, scratch)[0]);
}

}  // namespace wisp::test
