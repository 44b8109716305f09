// The Session contract: no heap allocation in run_into once prepared; a Model shared by
// sessions on several threads gives identical results; one Session used from two threads
// at once reports kBusy instead of corrupting results.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include "io/npy.hpp"
#include "onnx/onnx_importer.hpp"
#include "passes/pass_manager.hpp"
#include "runtime/session.hpp"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_allocations{0};
}  // namespace

// Counting global allocator for this test binary (only counts while g_counting is set).
// The aligned forms are replaced too: Tensor storage uses them. Not in sanitizer builds:
// ASan replaces the allocator itself; the Release run of the suite checks this.
#if !defined(__SANITIZE_ADDRESS__)
#define WISP_COUNT_ALLOCATIONS 1
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, std::align_val_t a) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  const size_t al = static_cast<size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
#endif

namespace wisp {
namespace {

const std::string kModels = std::string(WISP_SOURCE_DIR) + "/models/";

Tensor sample_input(int64_t batch) {
  Tensor u8 = read_npy(kModels + "fashion_mnist_test_images.npy");
  Tensor x(DType::kF32, Shape{batch, 1, 28, 28});
  for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = u8.as<uint8_t>()[i] / 255.0f;
  return x;
}

// Heap allocations during three warm run_into calls (after one that prepares and lets
// kernels pack their constant weights).
int64_t allocations_in_warm_runs(std::shared_ptr<const Model> model, SessionConfig config) {
  Session session(model, config);
  Tensor x = sample_input(2);
  Tensor y(DType::kF32, Shape{2, 10});
  std::vector<NamedTensorView> feeds{{"image", x.view()}};
  std::vector<TensorView> outs{y.view()};
  session.run_into(feeds, outs);
  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 3; ++i) session.run_into(feeds, outs);
  g_counting = false;
  if (config.profile) {
    EXPECT_FALSE(session.step_timings().empty());
  }
  return g_allocations.load();
}

TEST(SessionContract, RunIntoDoesNotAllocate) {
#ifndef WISP_COUNT_ALLOCATIONS
  GTEST_SKIP() << "allocation counting is off in sanitizer builds";
#endif
  std::shared_ptr<const Model> model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  std::shared_ptr<const Model> optimized = optimize_model(*model);
  const SessionConfig plain{.dims = {{"batch", 2}}};
  EXPECT_EQ(allocations_in_warm_runs(model, plain), 0) << "plain";
  EXPECT_EQ(allocations_in_warm_runs(optimized, plain), 0) << "optimized graph";
  SessionConfig profiled = plain;
  profiled.profile = true;
  EXPECT_EQ(allocations_in_warm_runs(model, profiled), 0) << "with the profiler";
  SessionConfig threaded = plain;
  threaded.threads = 2;
  EXPECT_EQ(allocations_in_warm_runs(optimized, threaded), 0) << "2 threads";
  SessionConfig reference = plain;
  reference.max_isa = Isa::kRef;
  EXPECT_EQ(allocations_in_warm_runs(optimized, reference), 0) << "reference kernels";
}

TEST(SessionContract, SessionsOnThreadsShareOneModel) {
  std::shared_ptr<const Model> model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  Tensor x = sample_input(8);
  Session reference(model);
  Tensor expected = reference.run({{"image", x.view()}}).at(0);
  std::vector<Tensor> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Session s(model);
      for (int k = 0; k < 5; ++k) got[t] = s.run({{"image", x.view()}}).at(0);
    });
  for (auto& th : threads) th.join();
  for (const Tensor& g : got)
    EXPECT_EQ(std::memcmp(g.data(), expected.data(), static_cast<size_t>(expected.bytes())), 0);
}

TEST(SessionContract, ConcurrentRunOnOneSessionIsRejectedNotCorrupted) {
  std::shared_ptr<const Model> model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  Tensor x = sample_input(16);
  Session session(model);
  Tensor expected = session.run({{"image", x.view()}}).at(0);
  std::atomic<int> busy{0}, ok{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) {
        try {
          Tensor y = session.run({{"image", x.view()}}).at(0);
          (std::memcmp(y.data(), expected.data(), static_cast<size_t>(y.bytes())) == 0 ? ok : wrong)++;
        } catch (const Error& e) {
          EXPECT_EQ(e.code(), ErrorCode::kBusy);
          busy++;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(ok + busy, 40);
  EXPECT_GT(ok.load(), 0);
}

TEST(SessionContract, WrongInputsAreClearErrors) {
  auto model = import_onnx_file(kModels + "fashion_mnist_cnn.onnx");
  Session session(model);
  Tensor x = sample_input(1);
  Tensor wrong_type(DType::kF64, Shape{1, 1, 28, 28});
  Tensor wrong_shape(DType::kF32, Shape{1, 1, 27, 28});
  auto code_of = [&](const std::vector<NamedTensorView>& feeds) {
    try {
      session.run(feeds);
    } catch (const Error& e) {
      return std::make_pair(e.code(), std::string(e.what()));
    }
    return std::make_pair(ErrorCode::kOk, std::string());
  };
  auto [c1, m1] = code_of({{"img", x.view()}});
  EXPECT_EQ(c1, ErrorCode::kInvalidArgument);
  EXPECT_NE(m1.find("no input named 'img'"), std::string::npos) << m1;
  auto [c2, m2] = code_of({{"image", wrong_type.view()}});
  EXPECT_EQ(c2, ErrorCode::kInvalidArgument);
  EXPECT_NE(m2.find("f64"), std::string::npos) << m2;
  auto [c3, m3] = code_of({{"image", wrong_shape.view()}});
  EXPECT_NE(c3, ErrorCode::kOk);
  EXPECT_NE(m3.find("'/"), std::string::npos) << "error should name the node: " << m3;
  auto [c4, m4] = code_of({});
  EXPECT_EQ(c4, ErrorCode::kInvalidArgument);
  EXPECT_NE(m4.find("'image' is missing"), std::string::npos) << m4;
}

}  // namespace
}  // namespace wisp
