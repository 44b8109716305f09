// The data-movement copies split over threads (kernels/ref/data_movement.hpp strided_copy,
// ref/concat.cpp): dims coalesced, the flat output cut into chunks whose edges fall
// mid-row. Checked against an element-by-element oracle written here, at 1, 2 and 3
// threads, for shapes below and above the parallel threshold, size-1 dims, mergeable and
// unmergeable dims, negative and zero strides; Concat and Split through run_op at 1..3
// threads against the serial result and hand-built values.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "kernels/ref/data_movement.hpp"
#include "runtime/session.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

// dst[i] = src[offset + sum idx_d * strides[d]], computed the obvious way.
std::vector<uint32_t> oracle(const std::vector<uint32_t>& src, int64_t offset, const std::vector<int64_t>& strides,
                             const Shape& shape) {
  std::vector<uint32_t> out(static_cast<size_t>(shape.numel()));
  for (int64_t i = 0; i < shape.numel(); ++i) {
    int64_t rest = i, at = offset;
    for (int d = shape.rank() - 1; d >= 0; --d) {
      at += rest % shape[d] * strides[static_cast<size_t>(d)];
      rest /= shape[d];
    }
    out[static_cast<size_t>(i)] = src[static_cast<size_t>(at)];
  }
  return out;
}

struct CopyCase {
  Shape shape;                   // output shape
  std::vector<int64_t> strides;  // source strides per output dim
  int64_t offset;
  int64_t src_size;
};

TEST(ParallelCopy, StridedCopyMatchesTheOracleAtAnyThreadCount) {
  const std::vector<CopyCase> cases = {
      // A channel half of [1, 116, 28, 28] (ShuffleNet's Slice): one contiguous run.
      {Shape{1, 58, 28, 28}, {116 * 784, 784, 28, 1}, 58 * 784, 116 * 784},
      // Channel shuffle transpose [1, 2, 58, 28, 28] -> [1, 58, 2, 28, 28]: runs of 784.
      {Shape{1, 58, 2, 28, 28}, {2 * 58 * 784, 784, 58 * 784, 28, 1}, 0, 2 * 58 * 784},
      // A 2-D transpose (inner stride not 1), big enough to split.
      {Shape{181, 257}, {1, 181}, 0, 181 * 257},
      // Negative inner stride (Slice with step -1), split mid-row.
      {Shape{97, 301}, {301, -1}, 300, 97 * 301},
      // Broadcast (Expand): zero strides, merged together.
      {Shape{64, 33, 17}, {17, 0, 1}, 0, 64 * 17},
      // Small: below the parallel threshold; size-1 dims between others.
      {Shape{3, 1, 5, 1, 7}, {35, 0, 7, 0, 1}, 0, 105},
      // Every dim size 1: one element.
      {Shape{1, 1, 1}, {5, 5, 5}, 4, 5},
      // Step-2 slice of rows (unmergeable), odd sizes.
      {Shape{129, 3, 131}, {6 * 131, 131, 1}, 131, 129 * 6 * 131},
  };
  for (const CopyCase& c : cases) {
    std::vector<uint32_t> src(static_cast<size_t>(c.src_size));
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint32_t>(i * 2654435761u);
    const std::vector<uint32_t> want = oracle(src, c.offset, c.strides, c.shape);
    for (int threads : {1, 2, 3}) {
      std::unique_ptr<ThreadPool> pool = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
      std::vector<uint32_t> got(want.size(), 0xdeadbeef);
      ref::strided_copy(src.data(), c.offset, c.strides.data(), c.shape, got.data(), pool.get());
      ASSERT_EQ(got, want) << "shape " << c.shape.str() << " threads " << threads;
    }
  }
}

TEST(ParallelCopy, CopyChunksRespectTheThreshold) {
  ThreadPool pool(3);
  EXPECT_EQ(ref::copy_chunks(nullptr, 1 << 30), 1);
  EXPECT_EQ(ref::copy_chunks(&pool, ref::kMinParallelCopyBytes - 1), 1);
  EXPECT_EQ(ref::copy_chunks(&pool, 2 * ref::kMinParallelCopyBytes), 2);
  EXPECT_EQ(ref::copy_chunks(&pool, 100 * ref::kMinParallelCopyBytes), 3);
}

Tensor iota_f32(const Shape& shape, float start) {
  Tensor t(DType::kF32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = start + static_cast<float>(i);
  return t;
}

// Runs one op at 1, 2 and 3 threads through a Session; outputs must be bit-identical.
std::vector<std::vector<Tensor>> run_at_threads(const std::string& op, const std::vector<test::OpInput>& ins,
                                                const Attributes& attrs, int outputs) {
  std::vector<std::vector<Tensor>> all;
  for (int threads : {1, 2, 3}) all.push_back(test::run_op(op, ins, attrs, outputs, 21, threads));
  return all;
}

TEST(ParallelCopy, ConcatAndSplitAreTheSameAtAnyThreadCount) {
  // Batch 2 (two joined rows), an empty input in the middle, odd channel counts; sizes
  // above the threshold so that chunk edges fall inside inputs and across rows.
  const Tensor a = iota_f32(Shape{2, 37, 15, 15}, 0.0f), empty(DType::kF32, Shape{2, 0, 15, 15}),
               b = iota_f32(Shape{2, 61, 15, 15}, 1e6f);
  Attributes attrs;
  attrs.set_int("axis", 1);
  auto cat = run_at_threads("Concat", {{a}, {empty}, {b}}, attrs, 1);
  const Tensor& c = cat[0][0];
  ASSERT_EQ(c.shape(), (Shape{2, 98, 15, 15}));
  const float* y = c.as<float>();
  const int64_t plane = 225;
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[37 * plane], 1e6f);                              // b starts after a's row
  EXPECT_EQ(y[98 * plane], static_cast<float>(37 * plane));   // row 1 starts with a's row 1
  EXPECT_EQ(y[98 * plane + 37 * plane + 5], 1e6f + static_cast<float>(61 * plane + 5));
  for (size_t t = 1; t < cat.size(); ++t)
    EXPECT_EQ(std::memcmp(cat[t][0].data(), c.data(), static_cast<size_t>(c.bytes())), 0) << t + 1 << " threads";

  Attributes split_attrs;
  split_attrs.set_int("axis", 1);
  Tensor sizes(DType::kI64, Shape{3});
  sizes.as<int64_t>()[0] = 37;
  sizes.as<int64_t>()[1] = 0;
  sizes.as<int64_t>()[2] = 61;
  auto parts = run_at_threads("Split", {{c}, {sizes, /*constant=*/true}}, split_attrs, 3);
  for (const auto& at : parts) {
    ASSERT_EQ(at.size(), 3u);
    EXPECT_EQ(std::memcmp(at[0].data(), a.data(), static_cast<size_t>(a.bytes())), 0);
    EXPECT_EQ(at[1].shape(), (Shape{2, 0, 15, 15}));
    EXPECT_EQ(std::memcmp(at[2].data(), b.data(), static_cast<size_t>(b.bytes())), 0);
  }
}

}  // namespace
}  // namespace wisp
