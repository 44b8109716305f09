#include "core/shape.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/float16.hpp"

namespace wisp {

TEST(Shape, NumelAndBroadcast) {
  Shape a{2, 1, 4}, b{3, 1};
  EXPECT_EQ(a.numel(), 8);
  EXPECT_EQ(broadcast_shapes(a, b, "t"), (Shape{2, 3, 4}));
  EXPECT_THROW(broadcast_shapes(Shape{2, 3}, Shape{4, 3}, "t"), Error);
  EXPECT_EQ(Shape{}.numel(), 1);
}

TEST(Shape, OverflowIsAnError) {
  Shape huge{int64_t{1} << 40, int64_t{1} << 40};
  try {
    (void)huge.numel();
    FAIL() << "expected overflow error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kResourceExhausted);
  }
}

TEST(Shape, RankLimit) {
  Shape s;
  for (int i = 0; i < kMaxRank; ++i) s.push_back(1);
  EXPECT_THROW(s.push_back(1), Error);
}

TEST(Shape, NegativeAxis) {
  Shape s{1, 2, 3};
  EXPECT_EQ(s.axis(-1), 2);
  EXPECT_THROW(s.axis(3), Error);
}

TEST(Float16, RoundTripsAndRounds) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(static_cast<float>(Float16(f)), f) << f;
  EXPECT_EQ(static_cast<float>(Float16(1.0f + 1.0f / 4096)), 1.0f);  // ties to even
  EXPECT_TRUE(std::isinf(static_cast<float>(Float16(1e6f))));
  EXPECT_EQ(static_cast<float>(BFloat16(1.0f)), 1.0f);
  EXPECT_EQ(BFloat16(3.140625f).bits, 0x4049);
}

}  // namespace wisp
