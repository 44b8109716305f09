// Dropout forms exporters write (ratio as an input since opset 12, training_mode input,
// a mask output nobody reads) are removed by eliminate_identity; training mode is kept.
#include "passes/passes.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

using test::ModelBuilder;

Value* scalar_f32(ModelBuilder& b, const std::string& name, float v) {
  Tensor t(DType::kF32, Shape{});
  t.as<float>()[0] = v;
  return b.constant(name, std::move(t));
}

Value* scalar_bool(ModelBuilder& b, const std::string& name, bool v) {
  Tensor t(DType::kBool, Shape{});
  t.as<bool>()[0] = v;
  return b.constant(name, std::move(t));
}

TEST(EliminateDropout, WithRatioInputAndUnreadMaskGoes) {
  for (int form = 0; form < 3; ++form) {  // 0: ratio only; 1: ratio + training_mode false; 2: mask output too
    SCOPED_TRACE(form);
    ModelBuilder b;
    Value* x = b.op("Relu", {b.input("x", {2, 5})});
    std::vector<Value*> in = {x, scalar_f32(b, "ratio", 0.3f)};
    if (form >= 1) in.push_back(scalar_bool(b, "training", false));
    Node* d = b.node("Dropout", in, {}, form == 2 ? 2 : 1);
    b.output(b.op("Neg", {d->outputs[0]}));
    auto before = b.model();
    bool changed = false;
    auto after = test::apply_pass(*before, passes::eliminate_identity, &changed);
    EXPECT_TRUE(changed);
    EXPECT_EQ(test::op_counts(after->graph), (std::map<std::string, int>{{"Neg", 1}, {"Relu", 1}}));
    test::expect_same_outputs(*before, *after);
  }
}

TEST(EliminateDropout, KeptInTrainingModeOrWhenTheMaskIsAnOutput) {
  for (bool training : {true, false}) {
    ModelBuilder b;
    Value* x = b.input("x", {4});
    Node* d = b.node("Dropout", {x, scalar_f32(b, "ratio", 0.5f), scalar_bool(b, "training", training)}, {}, 2);
    b.output(b.op("Neg", {d->outputs[0]}));
    if (!training) b.output(d->outputs[1]);  // mask read
    bool changed = true;
    test::apply_pass(*b.model(), passes::eliminate_identity, &changed);
    EXPECT_FALSE(changed);
  }
}

}  // namespace
}  // namespace wisp
