#include "passes/pass_manager.hpp"
#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

Value* scalar(ModelBuilder& b, const std::string& name, float v) {
  Tensor t(DType::kF32, Shape{});
  t.as<float>()[0] = v;
  return b.constant(name, std::move(t));
}

Value* axes(ModelBuilder& b, const std::string& name, int64_t axis) {
  Tensor t(DType::kI64, Shape{1});
  t.as<int64_t>()[0] = axis;
  return b.constant(name, std::move(t));
}

struct Variant {
  bool mul_square = false;   // Mul(d, d) instead of Pow(d, 2)
  bool reciprocal = false;   // Reciprocal + Mul instead of Div
  bool scale = true, bias = true;
  int64_t axis = -1;         // as written in the ReduceMeans (-1 or rank-1)
};

// The decomposed LayerNorm as exporters write it, over x [2, 3, 8].
std::shared_ptr<Model> decomposed(const Variant& v) {
  ModelBuilder b;
  Value* x = b.input("x", {2, 3, 8});
  Value* mean = b.op("ReduceMean", {x, axes(b, "ax1", v.axis)});
  Value* d = b.op("Sub", {x, mean});
  Value* sq = v.mul_square ? b.op("Mul", {d, d}) : b.op("Pow", {d, scalar(b, "two", 2)});
  Value* var = b.op("ReduceMean", {sq, axes(b, "ax2", v.axis)});
  Value* sd = b.op("Sqrt", {b.op("Add", {var, scalar(b, "eps", 1e-3f)})});
  // Reciprocal form with the factors in the order the variant's `mul_square` flag picks.
  Value* n = !v.reciprocal ? b.op("Div", {d, sd})
             : v.mul_square ? b.op("Mul", {b.op("Reciprocal", {sd}), d})
                            : b.op("Mul", {d, b.op("Reciprocal", {sd})});
  if (v.scale) n = b.op("Mul", {n, b.random_constant("gamma", {8}, 0.5f, 1.5f)});
  if (v.bias) n = b.op("Add", {b.random_constant("beta", {8}), n});
  b.output(n);
  return b.model();
}

TEST(FuseLayerNorm, EveryExporterVariantBecomesOneLayerNormalization) {
  for (bool mul_square : {false, true})
    for (bool reciprocal : {false, true})
      for (int affine = 0; affine < 3; ++affine)
        for (int64_t axis : {-1, 2}) {
          const Variant v{mul_square, reciprocal, affine > 0, affine > 1, axis};
          SCOPED_TRACE(testing::Message() << "mul_square " << mul_square << " reciprocal " << reciprocal
                                          << " affine " << affine << " axis " << axis);
          auto before = decomposed(v);
          bool changed = false;
          auto after = test::apply_pass(*before, passes::fuse_layer_norm, &changed);
          EXPECT_TRUE(changed);
          ASSERT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"LayerNormalization", 1}}));
          const Node& ln = *after->graph.nodes()[0];
          EXPECT_FLOAT_EQ(ln.attrs.get_float("epsilon", 0), 1e-3f);
          EXPECT_EQ(ln.attrs.get_int("axis", 0), -1);
          EXPECT_EQ(ln.inputs.size(), v.bias ? 3u : 2u);
          EXPECT_EQ(after->graph.outputs[0]->name, before->graph.outputs[0]->name);
          test::expect_same_outputs(*before, *after);
        }
}

TEST(FuseLayerNorm, NotOverAnotherAxisOrWhenAnIntermediateIsReadElsewhere) {
  {  // mean over axis 1: not a LayerNormalization over the last axis
    auto m = decomposed(Variant{.axis = 1});
    bool changed = true;
    test::apply_pass(*m, passes::fuse_layer_norm, &changed);
    EXPECT_FALSE(changed);
  }
  {  // the centred value d is also a graph output
    auto m = decomposed(Variant{});
    for (const auto& n : m->graph.nodes())
      if (n->op_type == "Sub") m->graph.outputs.push_back(n->outputs[0]);
    bool changed = true;
    test::apply_pass(*m, passes::fuse_layer_norm, &changed);
    EXPECT_FALSE(changed);
  }
  {  // a per-row scale [3, 1] is not LayerNormalization's per-feature scale
    ModelBuilder b;
    Value* x = b.input("x", {2, 3, 8});
    Value* d = b.op("Sub", {x, b.op("ReduceMean", {x, axes(b, "a1", -1)})});
    Value* var = b.op("ReduceMean", {b.op("Pow", {d, scalar(b, "two", 2)}), axes(b, "a2", -1)});
    Value* n = b.op("Div", {d, b.op("Sqrt", {b.op("Add", {var, scalar(b, "eps", 1e-5f)})})});
    b.output(b.op("Mul", {n, b.random_constant("g", {3, 1})}));
    auto before = b.model();
    auto after = test::apply_pass(*before, passes::fuse_layer_norm);
    // The normalisation itself still fuses; the Mul stays as it was.
    EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"LayerNormalization", 1}, {"Mul", 1}}));
    test::expect_same_outputs(*before, *after);
  }
}

TEST(FuseLayerNorm, RunsInTheDefaultPipeline) {
  auto before = decomposed(Variant{});
  auto after = optimize_model(*before);
  EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"LayerNormalization", 1}}));
  test::expect_same_outputs(*before, *after);
}

}  // namespace
}  // namespace wisp
