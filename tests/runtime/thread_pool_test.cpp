// The thread pool: every index exactly once, static chunks, errors rethrown, nesting runs
// inline; and the sample model gives bit-identical outputs at 1, 2 and 3 threads.
#include "runtime/thread_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <numeric>
#include <thread>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/npy.hpp"
#include "onnx/onnx_importer.hpp"
#include "runtime/session.hpp"

namespace wisp {
namespace {

TEST(ThreadPool, CoversEachIndexExactlyOnce) {
  for (int threads : {1, 2, 3, 4, 7}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (int64_t n : {0, 1, 2, 3, 5, 7, 8, 64, 1000, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      for (auto& h : hits) h = 0;
      std::atomic<int> calls{0};
      pool.parallel_for(n, [&](int64_t b, int64_t e) {
        ASSERT_LT(b, e);
        ++calls;
        for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)], 1) << "n=" << n << " threads=" << threads;
      EXPECT_LE(calls.load(), std::max(1, std::min<int>(threads, static_cast<int>(n))));
    }
  }
}

TEST(ThreadPool, ChunksAreStaticAndContiguous) {
  int64_t b = 0, e = 0;
  ThreadPool::chunk(10, 3, 0, b, e);
  EXPECT_EQ(b, 0);
  EXPECT_EQ(e, 3);
  ThreadPool::chunk(10, 3, 1, b, e);
  EXPECT_EQ(b, 3);
  EXPECT_EQ(e, 6);
  ThreadPool::chunk(10, 3, 2, b, e);
  EXPECT_EQ(b, 6);
  EXPECT_EQ(e, 10);
  // The pool hands out exactly those chunks.
  ThreadPool pool(3);
  std::vector<int64_t> begin_of(10, -1);
  pool.parallel_for(10, [&](int64_t b0, int64_t e0) {
    for (int64_t i = b0; i < e0; ++i) begin_of[static_cast<size_t>(i)] = b0;
  });
  EXPECT_EQ(begin_of, (std::vector<int64_t>{0, 0, 0, 3, 3, 3, 6, 6, 6, 6}));
}

TEST(ThreadPool, RethrowsAChunkErrorAndStaysUsable) {
  ThreadPool pool(3);
  EXPECT_THROW(pool.parallel_for(9, [](int64_t b, int64_t) {
    if (b >= 3) throw std::runtime_error("chunk failed");
  }),
               std::runtime_error);
  std::atomic<int64_t> sum{0};
  pool.parallel_for(100, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) sum += i;
  });
  EXPECT_EQ(sum.load(), 4950);
}

TEST(ThreadPool, NestedCallsRunInline) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  pool.parallel_for(4, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      pool.parallel_for(10, [&](int64_t b2, int64_t e2) { total += e2 - b2; });
  });
  EXPECT_EQ(total.load(), 40);
}

// Chunks are claimed by whichever thread comes first: many calls in a row (workers still
// spinning, or late for the previous call) must each cover every index exactly once, and
// never run a chunk of one call with another call's body or n.
TEST(ThreadPool, ManyBackToBackCallsEachCoverTheirOwnRange) {
  for (int threads : {2, 3}) {
    ThreadPool pool(threads);
    std::vector<int64_t> out(64, 0);
    for (int call = 0; call < 20000; ++call) {
      const int64_t n = 1 + call % 64;
      pool.parallel_for(n, [&, call](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) out[static_cast<size_t>(i)] += call;
      });
    }
    // Index i was written by every call with n > i, i.e. call % 64 >= i.
    for (int64_t i = 0; i < 64; ++i) {
      int64_t want = 0;
      for (int call = 0; call < 20000; ++call)
        if (call % 64 >= i) want += call;
      ASSERT_EQ(out[static_cast<size_t>(i)], want) << "index " << i << " threads " << threads;
    }
  }
}

// Calls spaced by more than the workers' spin time: they are asleep on the condition
// variable each time and must be woken (or the caller runs every chunk itself).
TEST(ThreadPool, CallsAfterTheWorkersFellAsleep) {
  ThreadPool pool(3);
  for (int call = 0; call < 5; ++call) {
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    std::atomic<int64_t> sum{0};
    pool.parallel_for(1000, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sum += i;
    });
    EXPECT_EQ(sum.load(), 499500);
  }
}

// A chunk that blocks until every other chunk has run: only possible if the other chunks
// run on other threads or on the caller meanwhile. With 2 threads and 2 chunks, the
// blocking chunk holds one thread, so the other chunk must run on the other one.
TEST(ThreadPool, ChunksRunConcurrently) {
  ThreadPool pool(2);
  for (int call = 0; call < 100; ++call) {
    std::atomic<int> arrived{0}, met{0};
    pool.parallel_for(2, [&](int64_t, int64_t) {
      ++arrived;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (arrived.load() < 2 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
      if (arrived.load() == 2) ++met;  // run one after the other, the first chunk gives up
    });
    ASSERT_EQ(met.load(), 2) << "call " << call << ": the two chunks did not run at the same time";
  }
}

// Destroying a pool whose workers have not started yet, are spinning, or sleep.
TEST(ThreadPool, DestroysPromptlyInAnyState) {
  for (int i = 0; i < 50; ++i) ThreadPool pool(3);  // workers may not have started
  for (int i = 0; i < 50; ++i) {
    ThreadPool pool(2);
    std::atomic<int> calls{0};
    pool.parallel_for(2, [&](int64_t, int64_t) { ++calls; });  // workers spinning after it
    EXPECT_EQ(calls.load(), 2);
  }
  ThreadPool pool(2);
  pool.parallel_for(2, [](int64_t, int64_t) {});
  std::this_thread::sleep_for(std::chrono::milliseconds(3));  // workers asleep
}

TEST(ThreadPool, EveryChunkThrowingRethrowsOneAndStaysUsable) {
  ThreadPool pool(3);
  for (int round = 0; round < 100; ++round) {
    EXPECT_THROW(pool.parallel_for(3, [](int64_t b, int64_t) { throw std::runtime_error("chunk " + std::to_string(b)); }),
                 std::runtime_error);
    std::vector<int> hits(3, 0);
    pool.parallel_for(3, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) ++hits[static_cast<size_t>(i)];
    });
    ASSERT_EQ(hits, (std::vector<int>{1, 1, 1}));
  }
}

// Two pools used in turn by one thread (two Sessions): neither sees the other's calls.
TEST(ThreadPool, TwoPoolsInTurn) {
  ThreadPool a(2), b(3);
  int64_t sa = 0, sb = 0;
  for (int call = 0; call < 2000; ++call) {
    std::vector<int64_t> va(2, 0), vb(3, 0);
    a.parallel_for(2, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) va[static_cast<size_t>(i)] = i + 1;
    });
    b.parallel_for(3, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) vb[static_cast<size_t>(i)] = 10 * (i + 1);
    });
    sa += std::accumulate(va.begin(), va.end(), int64_t{0});
    sb += std::accumulate(vb.begin(), vb.end(), int64_t{0});
  }
  EXPECT_EQ(sa, 2000 * 3);
  EXPECT_EQ(sb, 2000 * 60);
}

TEST(ThreadPool, SampleModelIsBitIdenticalAtAnyThreadCount) {
  const std::string dir = std::string(WISP_SOURCE_DIR) + "/models/";
  auto model = import_onnx_file(dir + "fashion_mnist_cnn.onnx");
  Tensor u8 = read_npy(dir + "fashion_mnist_test_images.npy");
  Tensor x(DType::kF32, Shape{20, 1, 28, 28});
  for (int64_t i = 0; i < x.numel(); ++i) x.as<float>()[i] = u8.as<uint8_t>()[i] / 255.0f;
  std::vector<Tensor> outs;
  for (int threads : {1, 2, 3}) {
    SessionConfig config;
    config.threads = threads;
    Session session(model, config);
    outs.push_back(session.run({{"image", x.view()}}).at(0));
  }
  ASSERT_EQ(outs[0].shape(), (Shape{20, 10}));
  for (size_t t = 1; t < outs.size(); ++t)
    EXPECT_EQ(std::memcmp(outs[0].data(), outs[t].data(), static_cast<size_t>(outs[0].bytes())), 0)
        << "outputs at " << t + 1 << " threads differ from 1 thread";
}

}  // namespace
}  // namespace wisp
