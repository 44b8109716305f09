#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/tensor.hpp"

namespace wisp {
namespace {

// A borrowed tensor points at the owner's memory and keeps the owner alive through every
// copy, even after the last other reference to the owner is gone.
TEST(TensorBorrowed, ViewsOwnerMemoryAndKeepsItAlive) {
  auto owner = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4, 5, 6});
  std::weak_ptr<std::vector<float>> watch = owner;
  float* data = owner->data();
  Tensor copy;
  {
    Tensor t = Tensor::borrowed(TensorView{DType::kF32, Shape{2, 3}, data}, owner);
    owner.reset();
    EXPECT_FALSE(watch.expired());
    EXPECT_EQ(t.data(), data);
    EXPECT_EQ(t.shape(), (Shape{2, 3}));
    EXPECT_EQ(t.span<float>()[5], 6.0f);
    copy = t;
  }
  EXPECT_FALSE(watch.expired());  // the copy still holds it
  EXPECT_EQ(copy.as<float>()[4], 5.0f);
  copy = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(TensorBorrowed, RejectsBadArguments) {
  auto owner = std::make_shared<int>(0);
  float x = 0;
  EXPECT_THROW(Tensor::borrowed(TensorView{DType::kF32, Shape{1}, nullptr}, owner), Error);
  EXPECT_THROW(Tensor::borrowed(TensorView{DType::kF32, Shape{1}, &x}, nullptr), Error);
  EXPECT_THROW(Tensor::borrowed(TensorView{DType::kString, Shape{1}, &x}, owner), Error);
  EXPECT_THROW(Tensor::borrowed(TensorView{DType::kF32, Shape{-1}, &x}, owner), Error);
  try {
    Tensor::borrowed(TensorView{DType::kF32, Shape{int64_t{1} << 31}, &x}, owner);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kResourceExhausted);
  }
  // Empty tensors may have no data.
  EXPECT_EQ(Tensor::borrowed(TensorView{DType::kF32, Shape{0, 3}, nullptr}, owner).numel(), 0);
}

}  // namespace
}  // namespace wisp
