// Loss values from torch.nn.functional.cross_entropy / nll_loss; RoiAlign and
// NonMaxSuppression by hand.
#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp {
namespace {

using test::run_op;
using test::tensors_near;

Tensor scores() { return Tensor::from<float>({2, 3}, {1, 2, 3, 0.5f, -1, 2}); }

TEST(SoftmaxCrossEntropyLoss, MeanWithWeights) {
  Attributes at;
  auto y = run_op("SoftmaxCrossEntropyLoss",
                  {{scores()}, {Tensor::from<int64_t>({2}, {2, 0})}, {Tensor::from<float>({3}, {0.2f, 0.3f, 0.5f})}}, at, 2);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({}, {0.7886646f})));
  // log_prob row 0 = log_softmax([1, 2, 3])
  EXPECT_NEAR(y[1].as<float>()[2], -0.40760596f, 1e-6);
}

TEST(SoftmaxCrossEntropyLoss, NoneReduction) {
  Attributes at;
  at.set_string("reduction", "none");
  auto y = run_op("SoftmaxCrossEntropyLoss", {{scores()}, {Tensor::from<int32_t>({2}, {2, 0})}}, at);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({2}, {0.40760595f, 1.7413113f})));
}

TEST(NegativeLogLikelihoodLoss, SumWithIgnoreIndex) {
  Attributes at;
  at.set_string("reduction", "sum");
  at.set_int("ignore_index", 1);
  auto y = run_op("NegativeLogLikelihoodLoss", {{scores()}, {Tensor::from<int64_t>({2}, {2, 1})}}, at);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({}, {-3})));
}

TEST(NegativeLogLikelihoodLoss, Errors) {
  EXPECT_THROW(run_op("NegativeLogLikelihoodLoss", {{scores()}, {Tensor::from<int64_t>({2}, {2, 3})}}), Error);
  EXPECT_THROW(run_op("NegativeLogLikelihoodLoss", {{scores()}, {Tensor::from<int64_t>({3}, {0, 0, 0})}}), Error);
}

TEST(RoiAlign, AverageOfConstantImage) {
  Tensor x(DType::kF32, Shape{1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x.as<float>()[i] = static_cast<float>(i % 4);  // value = column
  Attributes at;
  at.set_int("output_height", 1);
  at.set_int("output_width", 2);
  at.set_int("sampling_ratio", 1);
  // half_pixel: roi x in [0.5, 2.5) - 0.5 = [0, 2): bin centres x = 0.5 and 1.5 -> values 0.5, 1.5.
  auto y = run_op("RoiAlign", {{x}, {Tensor::from<float>({1, 4}, {0.5f, 0.5f, 2.5f, 2.5f})},
                               {Tensor::from<int64_t>({1}, {0})}}, at, 1, 16);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({1, 1, 1, 2}, {0.5f, 1.5f})));
  EXPECT_THROW(run_op("RoiAlign", {{x}, {Tensor::from<float>({1, 4}, {0, 0, 1, 1})}, {Tensor::from<int64_t>({1}, {3})}},
                      at, 1, 16),
               Error);
}

TEST(NonMaxSuppression, SuppressesOverlapsPerClass) {
  // Boxes (y1, x1, y2, x2): 0 and 1 overlap with IoU 0.81; 2 is apart.
  Tensor boxes = Tensor::from<float>({1, 3, 4}, {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, 5, 1, 6});
  Tensor sc = Tensor::from<float>({1, 1, 3}, {0.9f, 0.95f, 0.3f});
  auto y = run_op("NonMaxSuppression", {{boxes}, {sc}, {Tensor::from<int64_t>({1}, {3})},
                                        {Tensor::from<float>({1}, {0.5f})}, {Tensor::from<float>({1}, {0.0f})}});
  ASSERT_EQ(y[0].shape(), (Shape{2, 3}));
  const int64_t want[] = {0, 0, 1, 0, 0, 2};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[0].as<int64_t>()[i], want[i]);
  // Score threshold 0.5 drops box 2; max 1 per class keeps only the best.
  auto z = run_op("NonMaxSuppression", {{boxes}, {sc}, {Tensor::from<int64_t>({1}, {1})},
                                        {Tensor::from<float>({1}, {0.5f})}, {Tensor::from<float>({1}, {0.5f})}});
  ASSERT_EQ(z[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(z[0].as<int64_t>()[2], 1);
}

}  // namespace
}  // namespace wisp
