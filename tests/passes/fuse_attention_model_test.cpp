// fuse_attention on real torch 1.13 exports (tests/passes/data/make_sdpa.py): a hand-written
// multi-head softmax(Q K^T / sqrt(d) [+ mask]) V becomes one Attention node after the
// default passes, and the optimized model gives the unoptimized model's outputs (1 and 2
// threads: the SIMD kernel where the CPU has one).
#include <gtest/gtest.h>

#include <cmath>

#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

const std::string kData = std::string(WISP_SOURCE_DIR) + "/tests/passes/data/";

void check_export(const std::string& file, bool with_mask) {
  SCOPED_TRACE(file);
  auto model = import_onnx_file(kData + file);
  auto optimized = optimize_model(*model);
  const auto counts = test::op_counts(optimized->graph);
  EXPECT_EQ(counts.count("Softmax"), 0u);
  ASSERT_EQ(counts.count("Attention"), 1u);
  EXPECT_EQ(counts.at("Attention"), 1);
  EXPECT_EQ(counts.count("MatMul") ? counts.at("MatMul") : 0, 3);  // only the q/k/v projections
  const Tensor x = test::random_f32(Shape{1, 12, 32}, 11, -2, 2);
  Tensor mask(DType::kF32, Shape{1, 1, 12, 12});
  for (int64_t i = 0; i < 12; ++i)
    for (int64_t j = 0; j < 12; ++j) mask.as<float>()[i * 12 + j] = j > i ? -1e4f : 0.0f;
  std::vector<NamedTensorView> ins = {{"x", x.view()}};
  if (with_mask) ins.push_back({"mask", mask.view()});
  Session plain(model);
  const Tensor want = plain.run(ins).at(0);
  for (int threads : {1, 2}) {
    Session fused(optimized, SessionConfig{.threads = threads});
    const Tensor got = fused.run(ins).at(0);
    EXPECT_TRUE(test::tensors_near(got, want, 1e-5, 1e-6)) << threads << " threads";
  }
}

TEST(FuseAttentionModel, TorchExportWithMask) { check_export("sdpa_mask.onnx", true); }
TEST(FuseAttentionModel, TorchExportWithoutMask) { check_export("sdpa_nomask.onnx", false); }

}  // namespace
}  // namespace wisp
