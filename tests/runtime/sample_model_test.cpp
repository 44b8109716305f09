// The shipped Fashion-MNIST model against PyTorch's logits (models/train_fashion_mnist.py
// wrote models/fashion_mnist_cnn.reference.npy from the same 300 images).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "io/npy.hpp"
#include "onnx/onnx_importer.hpp"
#include "runtime/session.hpp"

namespace wisp {
namespace {

const std::string kModels = std::string(WISP_SOURCE_DIR) + "/models/";

Tensor images_as_float(int64_t first, int64_t count) {
  Tensor u8 = read_npy(kModels + "fashion_mnist_test_images.npy");
  Tensor x(DType::kF32, Shape{count, 1, 28, 28});
  for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = u8.as<uint8_t>()[first * 784 + i] / 255.0f;
  return x;
}

TEST(SampleModel, MatchesPyTorchLogitsAndAccuracy) {
  auto model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  Tensor ref = read_npy(kModels + "fashion_mnist_cnn.reference.npy");
  Tensor labels = read_npy(kModels + "fashion_mnist_test_labels.npy");
  Tensor x = images_as_float(0, 300);
  Session session(model);
  std::vector<Tensor> out = session.run({{"image", x.view()}});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), (Shape{300, 10}));
  double max_err = 0;
  int correct = 0;
  for (int i = 0; i < 300; ++i) {
    int best = 0;
    for (int c = 0; c < 10; ++c) {
      const float v = out[0].as<float>()[i * 10 + c];
      max_err = std::max(max_err, double(std::fabs(v - ref.as<float>()[i * 10 + c])));
      if (v > out[0].as<float>()[i * 10 + best]) best = c;
    }
    correct += best == labels.as<int64_t>()[i];
  }
  EXPECT_LT(max_err, 1e-3) << "logits differ from PyTorch";
  EXPECT_EQ(correct, 283);  // PyTorch: 283/300 (models/README.md)
}

TEST(SampleModel, BatchOneGivesTheSameAnswersAsBatch300) {
  auto model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  Tensor ref = read_npy(kModels + "fashion_mnist_cnn.reference.npy");
  Session session(model, SessionConfig{.dims = {{"batch", 1}}});
  for (int i : {0, 7, 299}) {
    Tensor x = images_as_float(i, 1);
    Tensor y = session.run({{"image", x.view()}}).at(0);
    for (int c = 0; c < 10; ++c) EXPECT_NEAR(y.as<float>()[c], ref.as<float>()[i * 10 + c], 1e-3);
  }
}

// The planner's arena is exactly what running touches: paint it, run, and find the
// highest byte written. It must be inside the arena and in its last 64-byte block (the
// top buffer ends there, up to alignment padding). Reference kernels: they use all the
// scratch they request, where the x86 Conv uses one of its per-thread slots per thread.
TEST(SampleModel, RunTouchesExactlyThePlannedArena) {
  auto model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  Session session(model, SessionConfig{.dims = {{"batch", 4}}, .max_isa = Isa::kRef});
  session.prepare({});
  const int64_t arena = session.arena_bytes();
  ASSERT_GT(arena, 0);
  EXPECT_GE(arena, session.stats().live_lower_bound);
  EXPECT_LT(arena, session.stats().no_reuse_bytes) << "the planner reused nothing";
  auto* bytes = const_cast<std::byte*>(session.arena_data());
  std::memset(bytes, 0xA5, static_cast<size_t>(arena));
  Tensor x = images_as_float(0, 4);
  std::vector<TensorView> outs{TensorView{DType::kF32, Shape{4, 10}, nullptr}};
  Tensor y(DType::kF32, Shape{4, 10});
  outs[0].data = y.data();
  session.run_into({{"image", x.view()}}, outs);
  int64_t highest = -1, touched = 0;
  for (int64_t i = 0; i < arena; ++i)
    if (bytes[i] != std::byte{0xA5}) highest = i, ++touched;
  EXPECT_LT(highest, arena);
  EXPECT_GE(highest, arena - 64) << "the plan is larger than what run uses";
  EXPECT_GT(touched, arena / 2);
}


// Scratch is sized for the kernel the session picks (InferContext::kernel_isa): the
// SIMD kernels must not make the plan larger than the reference kernels' plan.
TEST(SampleModel, SimdKernelsPlanNoMoreArenaThanReference) {
  auto model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  Session ref_session(model, SessionConfig{.dims = {{"batch", 1}}, .max_isa = Isa::kRef});
  ref_session.prepare({});
  Session best_session(model, SessionConfig{.dims = {{"batch", 1}}});
  best_session.prepare({});
  EXPECT_LE(best_session.arena_bytes(), ref_session.arena_bytes());
}

}  // namespace
}  // namespace wisp
