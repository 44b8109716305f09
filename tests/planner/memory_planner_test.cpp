#include "planner/memory_planner.hpp"

#include <gtest/gtest.h>

#include <random>

namespace wisp {
namespace {

// No two buffers whose lifetimes overlap may overlap in memory.
void expect_valid(const std::vector<BufferRequest>& req, const MemoryPlan& plan, int64_t align) {
  for (size_t i = 0; i < req.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % align, 0);
    EXPECT_LE(plan.offsets[i] + req[i].bytes, plan.arena_bytes);
    for (size_t j = i + 1; j < req.size(); ++j) {
      const bool time = req[i].first_step <= req[j].last_step && req[j].first_step <= req[i].last_step;
      const bool space = plan.offsets[i] < plan.offsets[j] + req[j].bytes && plan.offsets[j] < plan.offsets[i] + req[i].bytes;
      EXPECT_FALSE(time && space && req[i].bytes > 0 && req[j].bytes > 0) << "buffers " << i << " and " << j << " collide";
    }
  }
}

TEST(MemoryPlanner, ChainReusesTwoBuffers) {
  // a -> b -> c -> d: each buffer lives two steps, so two slots of 1 KiB suffice.
  std::vector<BufferRequest> req{{1024, 0, 1}, {1024, 1, 2}, {1024, 2, 3}, {1024, 3, 4}};
  MemoryPlan plan = plan_memory(req, 64);
  expect_valid(req, plan, 64);
  EXPECT_EQ(plan.arena_bytes, 2048);
  EXPECT_EQ(plan.no_reuse_bytes, 4096);
  EXPECT_EQ(plan.live_lower_bound, 2048);
}

TEST(MemoryPlanner, AlignsSizesAndOffsets) {
  std::vector<BufferRequest> req{{1, 0, 0}, {65, 0, 0}, {3, 0, 0}};
  MemoryPlan plan = plan_memory(req, 64);
  expect_valid(req, plan, 64);
  EXPECT_EQ(plan.arena_bytes, 64 + 128 + 64);
}

TEST(MemoryPlanner, FillsGapsWithSmallBuffers) {
  // Big buffers at steps 0-1 and 2-3 take the same place; small ones fit beside them.
  std::vector<BufferRequest> req{{4096, 0, 1}, {4096, 2, 3}, {64, 0, 3}, {64, 1, 2}};
  MemoryPlan plan = plan_memory(req, 64);
  expect_valid(req, plan, 64);
  EXPECT_EQ(plan.arena_bytes, 4096 + 128);
}

TEST(MemoryPlanner, RandomPlansAreValidAndNearTheBound) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferRequest> req;
    for (int i = 0; i < 60; ++i) {
      int a = static_cast<int>(rng() % 40), len = static_cast<int>(rng() % 6);
      req.push_back({static_cast<int64_t>(64 * (1 + rng() % 32)), a, a + len});
    }
    MemoryPlan plan = plan_memory(req, 64);
    expect_valid(req, plan, 64);
    EXPECT_GE(plan.arena_bytes, plan.live_lower_bound);
    EXPECT_LE(plan.arena_bytes, plan.no_reuse_bytes);
  }
}

TEST(MemoryPlanner, ZeroSizedBuffersTakeNoSpace) {
  std::vector<BufferRequest> req{{0, 0, 5}, {128, 0, 5}};
  MemoryPlan plan = plan_memory(req, 64);
  EXPECT_EQ(plan.arena_bytes, 128);
}

}  // namespace
}  // namespace wisp
