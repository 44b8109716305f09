// The x86 float32 Transpose (src/kernels/x86/transpose_f32_*) against the reference, bit
// for bit: the permutations models use (NCHW <-> NHWC, last-two swap, attention's
// (0, 2, 1, 3), 2-D, identity, full reversal, with size-1 dims) at sizes below, at and
// above the 8 x 8 tile, and the same bits for 1, 2 and 3 threads.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/ref/transpose.hpp"
#include "simd_test_util.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

Shape permuted(const Shape& in, const std::vector<int>& perm) {
  std::vector<int64_t> d;
  for (int k : perm) d.push_back(in[k]);
  return Shape(std::span<const int64_t>(d));
}

ref::TransposeParams params(const std::vector<int>& perm) {
  ref::TransposeParams p;
  for (size_t i = 0; i < perm.size(); ++i) p.perm[i] = perm[i];
  return p;
}

class TransposeSimd : public ::testing::TestWithParam<Isa> {};

TEST_P(TransposeSimd, MatchesReferenceForModelPermutations) {
  std::string why;
  KernelFn fn = test::simd_variant("Transpose", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  KernelFn ref_fn = find_kernel("", "Transpose", DType::kF32, Isa::kRef);
  const std::vector<std::vector<int>> perms4 = {{0, 2, 3, 1}, {0, 3, 1, 2}, {0, 1, 3, 2}, {0, 2, 1, 3},
                                                {0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 2, 3}};
  uint32_t seed = 1;
  for (int64_t a : {1, 2, 7, 8, 9, 17})
    for (int64_t b : {1, 8, 13, 16, 33})
      for (const auto& perm : perms4) {
        const Shape in{2, a, b, (a + b) % 11 + 1};
        Tensor x = test::random_f32(in, seed++);
        const ref::TransposeParams p = params(perm);
        const Shape out = permuted(in, perm);
        ASSERT_TRUE(test::same_bits(test::call_kernel(fn, &p, {&x}, {out})[0], test::call_kernel(ref_fn, &p, {&x}, {out})[0]))
            << in.str() << " perm " << perm[0] << perm[1] << perm[2] << perm[3];
      }
  for (const Shape& in : {Shape{37, 45}, Shape{8, 8}, Shape{1, 5}, Shape{64, 1}}) {
    Tensor x = test::random_f32(in, seed++);
    const ref::TransposeParams p = params({1, 0});
    const Shape out = permuted(in, {1, 0});
    ASSERT_TRUE(test::same_bits(test::call_kernel(fn, &p, {&x}, {out})[0], test::call_kernel(ref_fn, &p, {&x}, {out})[0]))
        << in.str();
  }
}

TEST_P(TransposeSimd, SameBitsForOneTwoAndThreeThreads) {
  std::string why;
  KernelFn fn = test::simd_variant("Transpose", GetParam(), why);
  if (!fn) GTEST_SKIP() << why;
  ThreadPool two(2), three(3);
  for (const auto& perm : std::vector<std::vector<int>>{{0, 2, 3, 1}, {0, 2, 1, 3}}) {
    const Shape in{2, 24, 31, 29};
    Tensor x = test::random_f32(in, 5);
    const ref::TransposeParams p = params(perm);
    const Shape out = permuted(in, perm);
    const Tensor one = test::call_kernel(fn, &p, {&x}, {out})[0];
    for (ThreadPool* pool : {&two, &three}) EXPECT_TRUE(test::same_bits(one, test::call_kernel(fn, &p, {&x}, {out}, pool)[0]));
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, TransposeSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), test::isa_test_name);

}  // namespace
}  // namespace wisp
