// SessionConfig::profile (per-step timings of the last run) and the denormal flush that
// run() applies while it runs (runtime/denormals.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "io/npy.hpp"
#include "onnx/onnx_importer.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace wisp {
namespace {

const std::string kModels = std::string(WISP_SOURCE_DIR) + "/models/";

Tensor sample_input() {
  Tensor u8 = read_npy(kModels + "fashion_mnist_test_images.npy");
  Tensor x(DType::kF32, Shape{1, 1, 28, 28});
  for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = u8.as<uint8_t>()[i] / 255.0f;
  return x;
}

TEST(SessionProfile, OneTimingPerStepInStepOrder) {
  auto model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  SessionConfig config;
  config.default_symbolic_dim = 1;
  config.profile = true;
  Session session(model, config);
  session.prepare({{"image", Shape{1, 1, 28, 28}}});
  const std::vector<const Node*> steps = session.steps();
  ASSERT_FALSE(steps.empty());
  ASSERT_EQ(session.step_timings().size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(session.step_timings()[i].node, steps[i]);
    EXPECT_EQ(session.step_timings()[i].nanoseconds, 0) << "not run yet";
  }
  Tensor x = sample_input();
  session.run({{"image", x.view()}});
  for (const StepTiming& t : session.step_timings())
    EXPECT_GT(t.nanoseconds, 0) << t.node->op_type << " '" << t.node->name << "' was not timed";
}

TEST(SessionProfile, OffByDefaultAndSameResults) {
  auto model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  Tensor x = sample_input();
  Session plain(model, SessionConfig{.default_symbolic_dim = 1});
  SessionConfig config;
  config.default_symbolic_dim = 1;
  config.profile = true;
  Session profiled(model, config);
  Tensor a = plain.run({{"image", x.view()}}).at(0);
  Tensor b = profiled.run({{"image", x.view()}}).at(0);
  EXPECT_TRUE(plain.step_timings().empty());
  EXPECT_FALSE(profiled.step_timings().empty());
  EXPECT_TRUE(test::tensors_near(a, b, 0, 0));
}

#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
TEST(SessionDenormals, FlushedToZeroWhileRunningOnly) {
  // 1e-20 * 1e-20 = 1e-40 is a denormal float; with FTZ the product is exactly 0.
  Tensor a(DType::kF32, Shape{2});
  a.as<float>()[0] = 1e-20f;
  a.as<float>()[1] = 2.0f;
  volatile float tiny = 1e-20f;
  const float outside = tiny * tiny;  // the caller's mode: denormals kept
  ASSERT_GT(outside, 0.0f);
  ASSERT_LT(outside, std::numeric_limits<float>::min());
#if defined(__x86_64__) || defined(__i386__)
  const unsigned csr_before = _mm_getcsr();
#endif
  Tensor y = test::run_op1("Mul", {a, a});
  EXPECT_EQ(y.as<float>()[0], 0.0f) << "denormal product not flushed to zero";
  EXPECT_EQ(y.as<float>()[1], 4.0f);
#if defined(__x86_64__) || defined(__i386__)
  EXPECT_EQ(_mm_getcsr(), csr_before) << "run() did not restore MXCSR";
#endif
  volatile float tiny2 = 1e-20f;
  EXPECT_GT(tiny2 * tiny2, 0.0f) << "denormals stay flushed after run()";
}
#endif

}  // namespace
}  // namespace wisp
