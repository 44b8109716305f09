// Scaled dot-product attention as the zoo transformer runs it ([heads 4, S, D 64], scale
// on the scores), through a Session: the unfused graph (MatMul, Mul, Softmax, MatMul on
// the SIMD MatMul/Softmax kernels) against the same graph after fuse_attention (one
// Attention node on the blocked SIMD kernel). Args: S, threads.
//   build/bench/wisp_bench_kernels --benchmark_filter=attention
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"

namespace wisp {
namespace {

std::shared_ptr<Model> unfused_attention(int64_t heads, int64_t s, int64_t d) {
  auto model = std::make_shared<Model>();
  Graph& g = model->graph;
  g.opset_imports[""] = 21;
  auto input = [&](const std::string& name, const Shape& shape) {
    Value* v = g.add_value(name);
    v->dtype = DType::kF32;
    SymShape sym;
    for (int64_t x : shape) sym.push_back(SymDim{x, ""});
    v->shape = sym;
    g.inputs.push_back(v);
    return v;
  };
  Value* q = input("q", {heads, s, d});
  Value* kt = input("kt", {heads, d, s});
  Value* v = input("v", {heads, s, d});
  Tensor c(DType::kF32, Shape{});
  c.as<float>()[0] = 1.0f / std::sqrt(static_cast<float>(d));
  Value* scale = g.add_constant("scale", std::move(c));
  auto node = [&](const char* op, std::vector<Value*> ins, const std::string& out) {
    Node* n = g.add_node(op, out, std::move(ins), {g.add_value(out)});
    return n;
  };
  Value* scores = node("MatMul", {q, kt}, "scores")->outputs[0];
  Value* scaled = node("Mul", {scores, scale}, "scaled")->outputs[0];
  Node* sm = node("Softmax", {scaled}, "probs");
  sm->attrs.set_int("axis", -1);
  Value* y = node("MatMul", {sm->outputs[0], v}, "y")->outputs[0];
  g.outputs.push_back(y);
  return model;
}

void attention(benchmark::State& state, bool fused) {
  const int64_t heads = 4, s = state.range(0), d = 64;
  std::shared_ptr<Model> model = unfused_attention(heads, s, d);
  if (fused) model = optimize_model(*model);
  Session session(model, SessionConfig{.threads = static_cast<int>(state.range(1))});
  const Tensor q = bench::random_tensor(Shape{heads, s, d}, 1), kt = bench::random_tensor(Shape{heads, d, s}, 2),
               v = bench::random_tensor(Shape{heads, s, d}, 3);
  const std::vector<NamedTensorView> ins = {{"q", q.view()}, {"kt", kt.view()}, {"v", v.view()}};
  session.run(ins);
  for (auto _ : state) benchmark::DoNotOptimize(session.run(ins));
  const double flops = 2.0 * 2.0 * double(heads) * double(s) * double(s) * double(d);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void attention_unfused(benchmark::State& state) { attention(state, false); }
void attention_fused(benchmark::State& state) { attention(state, true); }

BENCHMARK(attention_unfused)->ArgsProduct({{128, 512, 1024}, {1, 2}})->Unit(benchmark::kMicrosecond);
BENCHMARK(attention_fused)->ArgsProduct({{128, 512, 1024}, {1, 2}})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace wisp
