// Old-opset forms of the shape ops, imported from ONNX and run: the converters in
// src/onnx/converters rewrite them to the canonical (newest) form.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/status.hpp"
#include "onnx/onnx_importer.hpp"
#include "runtime/session.hpp"
#include "wisp_onnx/onnx.pb.h"

namespace wisp {
namespace {

void add_ints(onnx::NodeProto* n, const char* name, std::vector<int64_t> v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void add_value_info(onnx::ValueInfoProto* vi, const std::string& name, std::vector<int64_t> dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
}

// One-node float model: input "x" of shape in_dims, outputs y0..y{n-1}.
std::vector<Tensor> run_one_node(const onnx::NodeProto& node, int opset, const Tensor& x, int outputs = 1) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  auto* imp = m.add_opset_import();
  imp->set_domain("");
  imp->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("g");
  *g->add_node() = node;
  add_value_info(g->add_input(), "x", std::vector<int64_t>(x.shape().begin(), x.shape().end()));
  for (int i = 0; i < outputs; ++i) g->add_output()->set_name(str_cat("y", i));
  const std::string bytes = m.SerializeAsString();
  auto model = import_onnx_bytes(bytes.data(), bytes.size(), "");
  Session s(model);
  return s.run({NamedTensorView{"x", x.view()}});
}

onnx::NodeProto make_node(const char* op, int outputs = 1) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(str_cat(op, "_0"));
  n.add_input(std::string("x"));
  for (int i = 0; i < outputs; ++i) n.add_output(str_cat("y", i));
  return n;
}

Tensor iota(const Shape& s) {
  Tensor t(DType::kF32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = static_cast<float>(i);
  return t;
}

std::vector<float> values(const Tensor& t) { return {t.as<float>(), t.as<float>() + t.numel()}; }

TEST(ShapeConverters, SliceOpset9Attributes) {
  onnx::NodeProto n = make_node("Slice");
  add_ints(&n, "starts", {1, -2});
  add_ints(&n, "ends", {2, 1000});
  add_ints(&n, "axes", {0, 1});
  const Tensor y = run_one_node(n, 9, iota({3, 4}))[0];
  EXPECT_EQ(y.shape(), (Shape{1, 2}));
  EXPECT_EQ(values(y), (std::vector<float>{6, 7}));
}

TEST(ShapeConverters, PadOpset2Attributes) {
  onnx::NodeProto n = make_node("Pad");
  add_ints(&n, "pads", {0, 1, 0, 1});
  auto* v = n.add_attribute();
  v->set_name("value");
  v->set_type(onnx::AttributeProto::FLOAT);
  v->set_f(-1.f);
  const Tensor y = run_one_node(n, 9, iota({1, 2}))[0];
  EXPECT_EQ(values(y), (std::vector<float>{-1, 0, 1, -1}));
}

TEST(ShapeConverters, SplitOpset11AndSqueezeUnsqueezeOpset11) {
  onnx::NodeProto n = make_node("Split", 2);
  add_ints(&n, "split", {1, 3});
  auto out = run_one_node(n, 11, iota({4}), 2);
  EXPECT_EQ(values(out[1]), (std::vector<float>{1, 2, 3}));

  onnx::NodeProto sq = make_node("Squeeze");
  add_ints(&sq, "axes", {0});
  EXPECT_EQ(run_one_node(sq, 11, iota({1, 3, 1}))[0].shape(), (Shape{3, 1}));

  onnx::NodeProto unsq = make_node("Unsqueeze");
  add_ints(&unsq, "axes", {0, 3});
  EXPECT_EQ(run_one_node(unsq, 11, iota({2, 3}))[0].shape(), (Shape{1, 2, 3, 1}));
}

}  // namespace
}  // namespace wisp
