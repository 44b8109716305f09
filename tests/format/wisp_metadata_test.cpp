// Metadata, memory plan and version handling of the .wisp format.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/sha256.hpp"
#include "format/wisp_format.hpp"
#include "format/wisp_test_model.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "wisp/wisp.h"
#include "wisp/wisp.hpp"
#include "wisp_generated.h"

namespace wisp {
namespace {

format::Metadata full_metadata() {
  format::Metadata m;
  m.source_sha256 = sha256("abc", 3);
  m.source_name = "net.onnx";
  m.producer_name = "wisp";
  m.producer_version = "0.1.0";
  m.input_hints["x"] = format::InputHint{"NC", {0.5f, 0.25f}, {2.0f, 4.0f}};
  m.report = {{"accuracy_top1", "0.9433"}, {"size_bytes", "432360"}};
  format::ReferenceCase ref;
  ref.inputs.emplace_back("x", Tensor::from<float>({2, 8}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
  ref.outputs.emplace_back("y", Tensor::from<int64_t>({3}, {-1, 0, 7}));
  m.references.push_back(std::move(ref));
  m.histograms.push_back(format::Histogram{"x", -1.5f, 3.0f, {1, 0, 5, 9, 2}});
  m.histograms.push_back(format::Histogram{"y", 0.0f, 0.0f, {}});
  return m;
}

TEST(WispMetadata, RoundTripsEveryField) {
  auto model = test::make_wisp_test_model();
  model->info.producer_name = "pytorch";
  model->info.ir_version = 7;
  format::StoredPlan plan;
  plan.input_shapes["x"] = {2, 8};
  plan.arena_bytes = 4096;
  plan.entries.push_back({model->graph.nodes()[0]->outputs[0]->name, 64, 32});
  const auto bytes = format::serialize_wisp(*model, full_metadata(), &plan);
  const format::LoadedWisp w = format::load_wisp_copy(bytes.data(), bytes.size());
  const format::Metadata& m = w.metadata;
  ASSERT_TRUE(m.source_sha256.has_value());
  EXPECT_EQ(sha256_hex(*m.source_sha256), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(m.source_name, "net.onnx");
  EXPECT_EQ(m.producer_version, "0.1.0");
  EXPECT_EQ(w.model->info.producer_name, "pytorch");
  EXPECT_EQ(w.model->info.ir_version, 7);
  ASSERT_EQ(m.input_hints.count("x"), 1u);
  EXPECT_EQ(m.input_hints.at("x").layout, "NC");
  EXPECT_EQ(m.input_hints.at("x").mean, (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ(m.input_hints.at("x").std, (std::vector<float>{2.0f, 4.0f}));
  ASSERT_EQ(m.report.size(), 2u);
  EXPECT_EQ(m.report[0].first, "accuracy_top1");
  EXPECT_EQ(m.report[0].second, "0.9433");
  ASSERT_EQ(m.references.size(), 1u);
  ASSERT_EQ(m.references[0].inputs.size(), 1u);
  const Tensor& rin = m.references[0].inputs[0].second;
  EXPECT_EQ(rin.shape(), (Shape{2, 8}));
  EXPECT_EQ(rin.span<float>()[15], 16.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(rin.data()) % 64, 0u);
  const Tensor& rout = m.references[0].outputs[0].second;
  EXPECT_EQ(m.references[0].outputs[0].first, "y");
  EXPECT_EQ(rout.dtype(), DType::kI64);
  EXPECT_EQ(rout.span<int64_t>()[2], 7);
  ASSERT_EQ(m.histograms.size(), 2u);
  EXPECT_EQ(m.histograms[0].value_name, "x");
  EXPECT_EQ(m.histograms[0].min, -1.5f);
  EXPECT_EQ(m.histograms[0].max, 3.0f);
  EXPECT_EQ(m.histograms[0].counts, (std::vector<uint64_t>{1, 0, 5, 9, 2}));
  EXPECT_TRUE(m.histograms[1].counts.empty());
  ASSERT_TRUE(w.plan.has_value());
  EXPECT_EQ(w.plan->arena_bytes, 4096);
  EXPECT_EQ(w.plan->input_shapes.at("x"), (std::vector<int64_t>{2, 8}));
  ASSERT_EQ(w.plan->entries.size(), 1u);
  EXPECT_EQ(w.plan->entries[0].value, model->graph.nodes()[0]->outputs[0]->name);
  EXPECT_EQ(w.plan->entries[0].offset, 64);
  EXPECT_EQ(w.plan->entries[0].size, 32);
}

// Reference cases are a health check: the stored outputs match a run of the loaded model,
// and a corrupted expected output is reported with the case, output and element.
TEST(WispMetadata, ReferenceCasesCheckTheModel) {
  auto model = test::make_wisp_test_model();
  const Tensor x = test::random_f32(Shape{2, 8}, 5);
  format::Metadata meta;
  format::ReferenceCase rc;
  rc.inputs.emplace_back("x", x);
  {
    Session s(model);
    rc.outputs.emplace_back(model->graph.outputs[0]->name, s.run({{"x", x.view()}}).at(0));
  }
  meta.references.push_back(rc);
  auto bytes = format::serialize_wisp(*model, meta, nullptr);
  const format::LoadedWisp w = format::load_wisp_copy(bytes.data(), bytes.size());
  const format::ReferenceCheck ok = format::check_references(w);
  EXPECT_EQ(ok.cases, 1u);
  EXPECT_TRUE(ok.failures.empty());
  EXPECT_EQ(ok.max_abs_diff, 0.0);

  rc.outputs[0].second = Tensor::copy_of(rc.outputs[0].second.view());
  rc.outputs[0].second.as<float>()[4] += 1.0f;
  meta.references = {rc};
  bytes = format::serialize_wisp(*model, meta, nullptr);
  const format::ReferenceCheck bad = format::check_references(format::load_wisp_copy(bytes.data(), bytes.size()));
  ASSERT_EQ(bad.failures.size(), 1u);
  EXPECT_NE(bad.failures[0].find("reference case 0, output '"), std::string::npos) << bad.failures[0];
  EXPECT_NE(bad.failures[0].find("1 of 6 elements differ (first at 4"), std::string::npos) << bad.failures[0];
  EXPECT_NEAR(bad.max_abs_diff, 1.0, 1e-6);
}

TEST(WispMetadata, HintForUnknownInputIsRejectedByTheWriter) {
  format::Metadata m;
  m.input_hints["nope"].layout = "NCHW";
  try {
    format::serialize_wisp(*test::make_wisp_test_model(), m, nullptr);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos) << e.what();
  }
}

std::vector<std::byte> with_version(uint16_t major, uint16_t minor) {
  auto bytes = format::serialize_wisp(*test::make_wisp_test_model(), {}, nullptr);
  auto* root = fb::GetMutableModel(bytes.data());
  EXPECT_TRUE(root->mutate_format_major(major));
  EXPECT_TRUE(root->mutate_format_minor(minor));
  return bytes;
}

TEST(WispVersion, NewerMajorIsRejectedWithAVersionError) {
  const auto bytes = with_version(format::kFormatMajor + 1, 0);
  try {
    format::load_wisp_copy(bytes.data(), bytes.size());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("format version 2.0 is newer than this build reads (1.x)"), std::string::npos)
        << e.what();
  }
}

TEST(WispVersion, OlderMajorIsRejectedNewerMinorAccepted) {
  const auto old = with_version(0, 9);
  EXPECT_THROW(format::load_wisp_copy(old.data(), old.size()), Error);
  // A newer minor only adds optional fields: accepted.
  const auto newer_minor = with_version(format::kFormatMajor, format::kFormatMinor + 3);
  const format::LoadedWisp w = format::load_wisp_copy(newer_minor.data(), newer_minor.size());
  EXPECT_EQ(w.format_minor, format::kFormatMinor + 3);
}

// The public API loads .wisp from a file and from memory (the package helper's path), and
// ONNX from memory, with the caller's buffer freed right after.
TEST(WispPublicApi, LoadFromMemoryBothFormats) {
  auto bytes = std::make_unique<std::vector<std::byte>>(format::serialize_wisp(*test::make_wisp_test_model(), {}, nullptr));
  // Shift to an unaligned address to check the copy path.
  std::vector<std::byte> unaligned(bytes->size() + 1);
  std::memcpy(unaligned.data() + 1, bytes->data(), bytes->size());
  api::Model m = api::Model::load_from_memory(unaligned.data() + 1, bytes->size());
  unaligned.assign(unaligned.size(), std::byte{0xAB});  // the model must not depend on the buffer
  bytes.reset();
  ASSERT_EQ(m.inputs().size(), 1u);
  EXPECT_EQ(m.inputs()[0].name, "x");
  api::Session s(m);
  api::NDArray x(api::ElementType::kFloat32, {2, 8});
  for (int i = 0; i < 16; ++i) x.data_as<float>()[i] = static_cast<float>(i) / 8.0f;
  auto y = s.run({{"x", x}});
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].shape(), (std::vector<int64_t>{2, 3}));

  std::ifstream f(std::string(WISP_SOURCE_DIR) + "/models/fashion_mnist_cnn.onnx", std::ios::binary);
  std::vector<char> onnx((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  api::Model m2 = api::Model::load_from_memory(onnx.data(), onnx.size());
  EXPECT_EQ(m2.inputs()[0].name, "image");

  wisp_model* cm = nullptr;
  ASSERT_EQ(wisp_model_load_from_memory(onnx.data(), onnx.size(), &cm), WISP_OK);
  EXPECT_EQ(wisp_model_num_outputs(cm), 1u);
  wisp_model_free(cm);
  const char junk[16] = "0123WISPjunk...";
  EXPECT_EQ(wisp_model_load_from_memory(junk, sizeof junk, &cm), WISP_ERROR_INVALID_MODEL);
  EXPECT_EQ(cm, nullptr);
}

}  // namespace
}  // namespace wisp
