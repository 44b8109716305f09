// fuse_attention on real torch 1.13 exports (tests/passes/data/make_sdpa.py): a hand-written
// multi-head softmax(Q K^T / sqrt(d) [+ mask]) V, and nn.TransformerEncoderLayer with a
// causal -inf mask, become one Attention node after the default passes, and the optimized model gives the unoptimized model's outputs (1 and 2
// threads: the SIMD kernel where the CPU has one).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"
#include "test_util/pass_test_util.hpp"

namespace wisp {
namespace {

const std::string kData = std::string(WISP_SOURCE_DIR) + "/tests/passes/data/";

// `mask`: 0 none, 1 [1, 1, 12, 12] with -1e4 above the diagonal, 2 [12, 12] with -inf.
void check_export(const std::string& file, int mask_kind, int projections) {
  SCOPED_TRACE(file);
  auto model = import_onnx_file(kData + file);
  auto optimized = optimize_model(*model);
  const auto counts = test::op_counts(optimized->graph);
  EXPECT_EQ(counts.count("Softmax"), 0u);
  ASSERT_EQ(counts.count("Attention"), 1u);
  EXPECT_EQ(counts.at("Attention"), 1);
  EXPECT_EQ(counts.count("MatMul") ? counts.at("MatMul") : 0, projections);  // only the linear layers
  const Tensor x = test::random_f32(Shape{1, 12, 32}, 11, -2, 2);
  Tensor mask(DType::kF32, mask_kind == 1 ? Shape{1, 1, 12, 12} : Shape{12, 12});
  const float above = mask_kind == 1 ? -1e4f : -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < 12; ++i)
    for (int64_t j = 0; j < 12; ++j) mask.as<float>()[i * 12 + j] = j > i ? above : 0.0f;
  std::vector<NamedTensorView> ins = {{"x", x.view()}};
  if (mask_kind != 0) ins.push_back({"mask", mask.view()});
  Session plain(model);
  const Tensor want = plain.run(ins).at(0);
  for (int threads : {1, 2}) {
    Session fused(optimized, SessionConfig{.threads = threads});
    const Tensor got = fused.run(ins).at(0);
    EXPECT_TRUE(test::tensors_near(got, want, 1e-5, 1e-6)) << threads << " threads";
  }
}

TEST(FuseAttentionModel, TorchExportWithMask) { check_export("sdpa_mask.onnx", 1, 3); }
TEST(FuseAttentionModel, TorchExportWithoutMask) { check_export("sdpa_nomask.onnx", 0, 3); }
// nn.TransformerEncoderLayer with a causal mask: in_proj, linear1, linear2 stay MatMuls.
TEST(FuseAttentionModel, TorchEncoderLayerWithCausalMask) { check_export("mha_causal.onnx", 2, 3); }

}  // namespace
}  // namespace wisp
