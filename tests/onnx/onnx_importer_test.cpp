// ONNX importer: models built here with the protobuf classes, serialized, imported.
#include "onnx/onnx_importer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "ir/op_registry.hpp"
#include "wisp_onnx/onnx.pb.h"

namespace wisp {
namespace {

namespace fs = std::filesystem;

// A test-only op with a GRAPH attribute, in its own domain, to exercise subgraph import
// independently of which control-flow ops exist.
void infer_nothing(InferContext&) {}
WISP_REGISTER_OP({.op_type = "WithBody", .domain = "wisp.test", .min_inputs = 0, .max_inputs = 2,
                  .infer = infer_nothing});

onnx::ModelProto make_model(int64_t ir = 8, int64_t opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(ir);
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  m.mutable_graph()->set_name("g");
  return m;
}

void add_value_info(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name,
                    int elem_type, std::vector<int64_t> dims) {
  auto* vi = list->Add();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> ins,
                          std::vector<std::string> outs, const std::string& name = "") {
  auto* n = g->add_node();
  n->set_op_type(op);
  if (!name.empty()) n->set_name(name);
  for (auto& i : ins) n->add_input(i);
  for (auto& o : outs) n->add_output(o);
  return n;
}

// x -> Identity -> y, with x: f32[2,3].
onnx::ModelProto identity_model() {
  onnx::ModelProto m = make_model();
  auto* g = m.mutable_graph();
  add_value_info(g->mutable_input(), "x", onnx::TensorProto::FLOAT, {2, 3});
  add_value_info(g->mutable_output(), "y", onnx::TensorProto::FLOAT, {2, 3});
  add_node(g, "Identity", {"x"}, {"y"});
  return m;
}

std::shared_ptr<Model> import(const onnx::ModelProto& m, const std::string& base_dir = "") {
  const std::string bytes = m.SerializeAsString();
  return import_onnx_bytes(bytes.data(), bytes.size(), base_dir);
}

// Runs `f`, expecting a wisp::Error with `code` whose message contains `needle`.
template <class F>
void expect_error(F&& f, ErrorCode code, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

onnx::TensorProto float_tensor(const std::string& name, std::vector<int64_t> dims, std::vector<float> values,
                               bool raw) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  if (raw) t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
  else for (float v : values) t.add_float_data(v);
  return t;
}

// A fresh empty folder under the system temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("wisp_importer_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(OnnxImporter, IdentityModel) {
  auto model = import(identity_model());
  const Graph& g = model->graph;
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0]->name, "x");
  EXPECT_EQ(g.inputs[0]->dtype, DType::kF32);
  ASSERT_TRUE(g.inputs[0]->shape.has_value());
  EXPECT_EQ(sym_shape_str(*g.inputs[0]->shape), "[2,3]");
  ASSERT_EQ(g.nodes().size(), 1u);
  EXPECT_EQ(g.nodes()[0]->op_type, "Identity");
  EXPECT_EQ(g.nodes()[0]->name, "Identity_0");  // synthesised
  EXPECT_EQ(g.nodes()[0]->opset, 13);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0]->producer, g.nodes()[0].get());
  EXPECT_EQ(model->info.ir_version, 8);
}

TEST(OnnxImporter, SymbolicAndUnknownDims) {
  onnx::ModelProto m = identity_model();
  auto* shape = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->mutable_dim(0)->set_dim_param("batch");
  shape->mutable_dim(1)->clear_dim_value();
  auto model = import(m);
  EXPECT_EQ(sym_shape_str(*model->graph.inputs[0]->shape), "[batch,?]");
}

TEST(OnnxImporter, RawAndTypedDataGiveTheSameTensor) {
  const std::vector<float> values = {1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, 7.0f};
  Tensor raw = tensor_from_onnx(float_tensor("w", {2, 3}, values, true), "", "w");
  Tensor typed = tensor_from_onnx(float_tensor("w", {2, 3}, values, false), "", "w");
  EXPECT_EQ(raw.shape(), (Shape{2, 3}));
  EXPECT_EQ(typed.shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(raw.as<float>()[i], values[static_cast<size_t>(i)]);
    EXPECT_EQ(typed.as<float>()[i], values[static_cast<size_t>(i)]);
  }
}

TEST(OnnxImporter, TypedFieldsForEveryType) {
  onnx::TensorProto t;
  t.add_dims(3);
  t.set_data_type(onnx::TensorProto::INT64);
  for (int64_t v : {int64_t{-1}, int64_t{1} << 40, int64_t{7}}) t.add_int64_data(v);
  Tensor i64 = tensor_from_onnx(t, "", "t");
  EXPECT_EQ(i64.as<int64_t>()[1], int64_t{1} << 40);

  onnx::TensorProto h;  // float16 bits travel in int32_data
  h.add_dims(2);
  h.set_data_type(onnx::TensorProto::FLOAT16);
  h.add_int32_data(0x3c00);  // 1.0
  h.add_int32_data(0xc000);  // -2.0
  Tensor f16 = tensor_from_onnx(h, "", "h");
  EXPECT_EQ(f16.dtype(), DType::kF16);
  EXPECT_EQ(static_cast<float>(f16.as<Float16>()[0]), 1.0f);
  EXPECT_EQ(static_cast<float>(f16.as<Float16>()[1]), -2.0f);

  onnx::TensorProto b;  // bools: any non-zero is true
  b.add_dims(3);
  b.set_data_type(onnx::TensorProto::BOOL);
  b.set_raw_data(std::string("\x00\x01\x05", 3));
  Tensor bools = tensor_from_onnx(b, "", "b");
  EXPECT_EQ(bools.as<uint8_t>()[0], 0);
  EXPECT_EQ(bools.as<uint8_t>()[2], 1);

  onnx::TensorProto u;
  u.set_data_type(onnx::TensorProto::UINT32);
  u.add_uint64_data(4000000000u);  // scalar: no dims
  Tensor u32 = tensor_from_onnx(u, "", "u");
  EXPECT_EQ(u32.shape().rank(), 0);
  EXPECT_EQ(u32.as<uint32_t>()[0], 4000000000u);

  onnx::TensorProto d;
  d.add_dims(1);
  d.set_data_type(onnx::TensorProto::DOUBLE);
  d.add_double_data(0.1);
  EXPECT_EQ(tensor_from_onnx(d, "", "d").as<double>()[0], 0.1);

  onnx::TensorProto s;
  s.add_dims(1);
  s.set_data_type(onnx::TensorProto::STRING);
  s.add_string_data("hello");
  expect_error([&] { tensor_from_onnx(s, "", "initializer 'names'"); }, ErrorCode::kUnsupported,
               "initializer 'names': element type STRING is not supported");
}

TEST(OnnxImporter, DataSizeMismatchIsInvalid) {
  expect_error([] { tensor_from_onnx(float_tensor("w", {2, 3}, {1, 2, 3}, true), "", "initializer 'w'"); },
               ErrorCode::kInvalidModel, "initializer 'w': shape [2,3] of FLOAT declares 6 elements but raw_data holds 12 bytes");
  expect_error([] { tensor_from_onnx(float_tensor("w", {4}, {1, 2, 3}, false), "", "initializer 'w'"); },
               ErrorCode::kInvalidModel, "float_data holds 3 values");
}

TEST(OnnxImporter, NegativeAndHugeDimsFailWithoutAllocating) {
  expect_error([] { tensor_from_onnx(float_tensor("w", {2, -3}, {}, true), "", "initializer 'w'"); },
               ErrorCode::kInvalidModel, "initializer 'w': negative dimension in shape [2,-3]");
  // 2^40 x 2^40 elements overflows 64 bits; must fail on the size check, not in malloc.
  const int64_t big = int64_t{1} << 40;
  expect_error([&] { tensor_from_onnx(float_tensor("w", {big, big}, {1}, true), "", "initializer 'w'"); },
               ErrorCode::kInvalidModel, "more than 2^63 elements but raw_data holds 4 bytes");
  expect_error([&] { tensor_from_onnx(float_tensor("w", {big, big}, {1}, false), "", "initializer 'w'"); },
               ErrorCode::kInvalidModel, "float_data holds 1 values");
  // Declared inputs: negative and absurd dims.
  onnx::ModelProto m = identity_model();
  auto* dim0 = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
  dim0->set_dim_value(-5);
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel, "graph input 'x' declares a negative dimension -5");
  dim0->set_dim_value(int64_t{1} << 50);
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel, "absurdly large");
}

TEST(OnnxImporter, RankAboveEightIsUnsupported) {
  expect_error([] { tensor_from_onnx(float_tensor("w", {1, 1, 1, 1, 1, 1, 1, 1, 1}, {1}, true), "", "initializer 'w'"); },
               ErrorCode::kUnsupported, "rank 9");
}

TEST(OnnxImporter, InitializersAreConstantsEvenWhenListedAsInputs) {
  onnx::ModelProto m = make_model(3, 9);  // IR 3: initializers must also be graph inputs
  auto* g = m.mutable_graph();
  add_value_info(g->mutable_input(), "w", onnx::TensorProto::FLOAT, {3});
  *g->add_initializer() = float_tensor("w", {3}, {1, 2, 3}, true);
  add_value_info(g->mutable_output(), "y", onnx::TensorProto::FLOAT, {3});
  add_node(g, "Identity", {"w"}, {"y"}, "id");
  auto model = import(m);
  EXPECT_TRUE(model->graph.inputs.empty());
  const Value* w = model->graph.find_value("w");
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->is_constant());
  EXPECT_EQ(w->constant->as<float>()[2], 3.0f);
}

TEST(OnnxImporter, OmittedOptionalInputsAreNull) {
  onnx::ModelProto m = identity_model();
  auto* g = m.mutable_graph();
  g->clear_node();
  *g->add_initializer() = [] {
    onnx::TensorProto t;
    t.set_name("tm");
    t.set_data_type(onnx::TensorProto::BOOL);
    t.set_raw_data(std::string("\x00", 1));
    return t;
  }();
  add_node(g, "Dropout", {"x", "", "tm"}, {"y", ""}, "drop");
  auto model = import(m);
  const Node& n = *model->graph.nodes()[0];
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_NE(n.inputs[0], nullptr);
  EXPECT_EQ(n.inputs[1], nullptr);
  EXPECT_TRUE(n.inputs[2]->is_constant());
  EXPECT_FALSE(n.has_output(1));
}

TEST(OnnxImporter, UnsupportedOpsAreListedInOneError) {
  onnx::ModelProto m = identity_model();
  auto* g = m.mutable_graph();
  g->clear_node();
  add_node(g, "Foo", {"x"}, {"a"}, "a");
  add_node(g, "Foo", {"a"}, {"b"}, "b");
  add_node(g, "Bar", {"b"}, {"c"}, "c");
  add_node(g, "Identity", {"c"}, {"y"});
  add_node(g, "Foo", {"x"}, {"d"});
  add_node(g, "Foo", {"x"}, {"e"}, "e");
  expect_error([&] { import(m); }, ErrorCode::kUnsupported,
               "model uses 2 unsupported op types (ai.onnx opset 13): Bar (node 'c'), Foo (nodes 'a', 'b', 'Foo_4' and 1 more)");
  // Unknown domains are listed the same way.
  m = identity_model();
  auto* op = m.add_opset_import();
  op->set_domain("com.example");
  op->set_version(1);
  m.mutable_graph()->mutable_node(0)->set_domain("com.example");
  expect_error([&] { import(m); }, ErrorCode::kUnsupported, "com.example.Identity (node 'Identity_0')");
}

TEST(OnnxImporter, StructuralErrorsAreInvalidModel) {
  onnx::ModelProto m = identity_model();
  m.mutable_graph()->mutable_node(0)->set_input(0, "nope");
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel, "input 0 'nope' is not defined");

  m = identity_model();
  add_node(m.mutable_graph(), "Identity", {"x"}, {"y"}, "again");
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel, "output 'y' is already defined");

  m = identity_model();  // a -> b -> a: a cycle
  auto* g = m.mutable_graph();
  g->clear_node();
  add_node(g, "Identity", {"b"}, {"a"}, "n1");
  add_node(g, "Identity", {"a"}, {"b"}, "n2");
  add_node(g, "Identity", {"x"}, {"y"}, "n3");
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel, "cycle");

  m = identity_model();
  m.mutable_graph()->mutable_output(0)->set_name("missing");
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel, "graph output 'missing' is not produced");

  m = identity_model();
  add_node(m.mutable_graph(), "Identity", {"x", "x"}, {"z"}, "two");
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel, "Identity 'two' has 2 inputs; Identity takes 1");
}

TEST(OnnxImporter, WrongAttributeKindIsInvalid) {
  onnx::ModelProto m = identity_model();
  auto* a = m.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::INT);
  a->set_s("zero");
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel,
               "Identity 'Identity_0' attribute 'axis': declared as INT but holds a string");
}

TEST(OnnxImporter, VersionsOutsideTheSupportedRange) {
  onnx::ModelProto m = identity_model();
  m.set_ir_version(2);
  expect_error([&] { import(m); }, ErrorCode::kUnsupported, "IR version 2 is not supported");
  m = identity_model();
  m.mutable_opset_import(0)->set_version(99);
  expect_error([&] { import(m); }, ErrorCode::kUnsupported, "ai.onnx opset 99 is newer");
}

TEST(OnnxImporter, TruncatedBytesAreInvalidModel) {
  onnx::ModelProto m = identity_model();
  std::vector<float> big(1000, 1.0f);
  *m.mutable_graph()->add_initializer() = float_tensor("unused", {1000}, big, true);
  const std::string bytes = m.SerializeAsString();
  expect_error([&] { import_onnx_bytes(bytes.data(), bytes.size() / 2, ""); }, ErrorCode::kInvalidModel,
               "not a valid ONNX model (protobuf parse failed)");
  TempDir dir;
  write_file(dir.path / "cut.onnx", bytes.substr(0, bytes.size() / 2));
  expect_error([&] { import_onnx_file((dir.path / "cut.onnx").string()); }, ErrorCode::kInvalidModel,
               (dir.path / "cut.onnx").string() + ": not a valid ONNX model (protobuf parse failed)");
  expect_error([&] { import_onnx_file((dir.path / "absent.onnx").string()); }, ErrorCode::kIo, "absent.onnx");
  OnnxImportOptions small;
  small.max_file_bytes = 100;
  write_file(dir.path / "big.onnx", bytes);
  expect_error([&] { import_onnx_file((dir.path / "big.onnx").string(), small); }, ErrorCode::kResourceExhausted,
               "above the limit of 100 bytes");
}

// x + an external initializer w, both [4]; w's data lives at `location`.
onnx::ModelProto external_model(const std::string& location, int64_t offset = 0, int64_t length = 16) {
  onnx::ModelProto m = make_model();
  auto* g = m.mutable_graph();
  auto* t = g->add_initializer();
  t->set_name("w");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(4);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto add_kv = [&](const char* k, const std::string& v) {
    auto* kv = t->add_external_data();
    kv->set_key(k);
    kv->set_value(v);
  };
  add_kv("location", location);
  add_kv("offset", std::to_string(offset));
  add_kv("length", std::to_string(length));
  add_value_info(g->mutable_output(), "y", onnx::TensorProto::FLOAT, {4});
  add_node(g, "Identity", {"w"}, {"y"}, "id");
  return m;
}

TEST(OnnxImporter, ExternalDataInsideTheFolderLoads) {
  TempDir dir;
  const float w[5] = {9, 1, 2, 3, 4};  // w is at offset 4
  fs::create_directories(dir.path / "weights");
  write_file(dir.path / "weights" / "w.bin", std::string(reinterpret_cast<const char*>(w), sizeof w));
  write_file(dir.path / "m.onnx", external_model("weights/w.bin", 4, 16).SerializeAsString());
  auto model = import_onnx_file((dir.path / "m.onnx").string());
  const Value* v = model->graph.find_value("w");
  ASSERT_TRUE(v && v->is_constant());
  EXPECT_EQ(v->constant->as<float>()[0], 1.0f);
  EXPECT_EQ(v->constant->as<float>()[3], 4.0f);
  // The same bytes from memory need a base folder.
  const std::string bytes = external_model("weights/w.bin", 4, 16).SerializeAsString();
  EXPECT_NO_THROW(import_onnx_bytes(bytes.data(), bytes.size(), dir.path.string()));
  expect_error([&] { import_onnx_bytes(bytes.data(), bytes.size(), ""); }, ErrorCode::kUnsupported,
               "initializer 'w': the tensor's data is in an external file");
  OnnxImportOptions no_external;
  no_external.allow_external_data = false;
  expect_error([&] { import_onnx_file((dir.path / "m.onnx").string(), no_external); }, ErrorCode::kUnsupported,
               "external data is disabled");
}

TEST(OnnxImporter, ExternalDataOutsideTheFolderIsRejected) {
  TempDir dir;
  fs::create_directories(dir.path / "model");
  write_file(dir.path / "secret.bin", std::string(16, 'x'));
  write_file(dir.path / "model" / "w.bin", std::string(16, 'x'));
  auto try_location = [&](const std::string& location, int64_t offset = 0, int64_t length = 16) {
    write_file(dir.path / "model" / "m.onnx", external_model(location, offset, length).SerializeAsString());
    import_onnx_file((dir.path / "model" / "m.onnx").string());
  };
  expect_error([&] { try_location("../secret.bin"); }, ErrorCode::kInvalidModel,
               "external data location '../secret.bin' leaves the model's folder");
  expect_error([&] { try_location("sub/../../secret.bin"); }, ErrorCode::kInvalidModel, "leaves the model's folder");
  expect_error([&] { try_location((dir.path / "secret.bin").string()); }, ErrorCode::kInvalidModel,
               "is an absolute path");
  fs::create_symlink(dir.path / "secret.bin", dir.path / "model" / "link.bin");
  expect_error([&] { try_location("link.bin"); }, ErrorCode::kInvalidModel, "outside the model's folder");
  expect_error([&] { try_location("w.bin", 8, 16); }, ErrorCode::kInvalidModel, "is past the end of");
  expect_error([&] { try_location("w.bin", 0, 12); }, ErrorCode::kInvalidModel,
               "declares 4 elements but the external data holds 12 bytes");
  expect_error([&] { try_location("absent.bin"); }, ErrorCode::kIo, "does not exist");
}

TEST(OnnxImporter, SubgraphsResolveOuterNames) {
  onnx::ModelProto m = identity_model();
  auto* op = m.add_opset_import();
  op->set_domain("wisp.test");
  op->set_version(1);
  auto* g = m.mutable_graph();
  *g->add_initializer() = float_tensor("c", {1}, {2}, true);
  auto* n = add_node(g, "WithBody", {}, {"unused"}, "outer");
  n->set_domain("wisp.test");
  auto* a = n->add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  auto* body = a->mutable_g();
  body->set_name("body");
  add_node(body, "Identity", {"x"}, {"bx"}, "inner1");       // x: outer graph input
  add_node(body, "Identity", {"c"}, {"bc"}, "inner2");       // c: outer initializer
  add_node(body, "Identity", {"bx"}, {"bx2"}, "inner3");     // local
  add_value_info(body->mutable_output(), "bx2", onnx::TensorProto::FLOAT, {});
  add_value_info(body->mutable_output(), "bc", onnx::TensorProto::FLOAT, {});
  auto model = import(m);
  const Node* outer = nullptr;
  for (const auto& node : model->graph.nodes())
    if (node->name == "outer") outer = node.get();
  ASSERT_NE(outer, nullptr);
  const Graph& sub = outer->attrs.require_graph("body");
  EXPECT_EQ(sub.outer_refs, (std::vector<std::string>{"x", "c"}));
  const Value* x = sub.find_value("x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->dtype, DType::kF32);  // type copied from the outer value
  EXPECT_EQ(x->producer, nullptr);
  EXPECT_EQ(sub.nodes().size(), 3u);
  EXPECT_TRUE(sub.inputs.empty());

  // A name defined nowhere is still an error inside a subgraph.
  body->mutable_node(0)->set_input(0, "nowhere");
  expect_error([&] { import(m); }, ErrorCode::kInvalidModel, "'nowhere' is not defined");
}

TEST(OnnxImporter, ReadsBackendTestTensorFiles) {
  const std::string path = "/usr/share/libonnx-testdata/data/node/test_abs/test_data_set_0/input_0.pb";
  if (!fs::exists(path)) GTEST_SKIP() << "libonnx-testdata not installed";
  std::string name;
  Tensor t = read_onnx_tensor_file(path, &name);
  EXPECT_EQ(name, "x");
  EXPECT_EQ(t.dtype(), DType::kF32);
  EXPECT_EQ(t.shape(), (Shape{3, 4, 5}));
}

}  // namespace
}  // namespace wisp
