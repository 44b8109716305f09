// for_each_broadcast against a naive per-element index computation, over shapes that
// exercise the flat paths, dimension merging and every broadcast position.
#include "kernels/ref/broadcast.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wisp::ref {
namespace {

int64_t naive_offset(const Shape& out, const Shape& in, int64_t flat) {
  int64_t offset = 0, stride = 1;
  for (int d = out.rank() - 1; d >= 0; --d) {
    const int64_t idx = flat % out[d];
    flat /= out[d];
    const int kd = d - (out.rank() - in.rank());
    if (kd < 0) continue;
    if (in[kd] != 1) offset += idx * stride;
    stride *= in[kd];
  }
  return offset;
}

void check(const Shape& a, const Shape& b, const Shape& c) {
  const Shape out = broadcast_shapes(broadcast_shapes(a, b, "test"), c, "test");
  std::vector<int64_t> seen;
  for_each_broadcast<3>(out, {&a, &b, &c}, [&](int64_t i, const BroadcastOffsets<3>& o) {
    seen.push_back(i);
    ASSERT_EQ(o[0], naive_offset(out, a, i)) << a.str() << " at " << i;
    ASSERT_EQ(o[1], naive_offset(out, b, i)) << b.str() << " at " << i;
    ASSERT_EQ(o[2], naive_offset(out, c, i)) << c.str() << " at " << i;
  });
  ASSERT_EQ(static_cast<int64_t>(seen.size()), out.numel());
  for (size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], static_cast<int64_t>(i));
}

TEST(BroadcastTest, MatchesNaiveIndexing) {
  check({2, 3}, {2, 3}, {2, 3});
  check({2, 3}, {}, {1});
  check({2, 3, 4}, {3, 1}, {4});
  check({1, 3, 1, 5}, {2, 1, 4, 1}, {5});
  check({2, 3, 4, 5}, {1, 3, 1, 1}, {2, 3, 4, 5});
  check({4, 1}, {1, 4}, {});
  check({2, 1, 3, 1, 2}, {1, 2, 1, 2, 1}, {2, 1, 1, 1, 1});
  check({3}, {2, 1}, {1, 1, 1});
  check({1}, {1}, {1});
}

TEST(BroadcastTest, EmptyOutputVisitsNothing) {
  int calls = 0;
  const Shape a{0, 3}, b{3};
  for_each_broadcast<2>(Shape{0, 3}, {&a, &b}, [&](int64_t, const BroadcastOffsets<2>&) { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace wisp::ref
