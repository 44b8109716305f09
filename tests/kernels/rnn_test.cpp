// Expected values: PyTorch nn.LSTM / nn.GRU (seed 1) with the weights permuted from
// PyTorch's gate order (LSTM i,f,g,o; GRU r,z,n) to ONNX's (LSTM i,o,f,c; GRU z,r,h).
// PyTorch's GRU is ONNX's linear_before_reset=1.
#include <cmath>

#include "test_util/op_test_util.hpp"
#include "wisp/error.hpp"

namespace wisp {
namespace {

using test::OpInput;
using test::run_op;
using test::tensors_near;

Attribute strings(std::vector<std::string> v) {
  Attribute a;
  a.kind = Attribute::Kind::kStrings;
  a.strings = std::move(v);
  return a;
}

Tensor x3() { return Tensor::from<float>({3, 1, 1}, {0.5f, -1.0f, 2.0f}); }

TEST(Lstm, MatchesPytorch) {
  Tensor w = Tensor::from<float>({1, 8, 1}, {0.3643461f, -0.3121015f, -0.1454698f, 0.3597362f, -0.1370808f, 0.331894f,
                                             -0.6656964f, 0.4240641f});
  Tensor r = Tensor::from<float>({1, 8, 2}, {0.09829985f, -0.08658109f, 0.1961238f, 0.03488284f, -0.263331f, -0.4270652f,
                                             -0.1185222f, -0.3050039f, 0.2582553f, -0.2755602f, -0.05155428f,
                                             -0.06365894f, 0.1024908f, -0.002824766f, 0.6181292f, 0.2200446f});
  Tensor b = Tensor::from<float>({1, 16}, {-0.2265913f, 0.03385741f, 0.1975401f, 0.67073f, 0.421526f, 0.3843385f,
                                           -0.6912329f, 0.43835f, 0.4667328f, -0.6442716f, 0.302613f, -0.3286006f,
                                           -0.672323f, -0.3410603f, 0.6209188f, -0.1177821f});
  Attributes at;
  at.set_int("hidden_size", 2);
  auto y = run_op("LSTM", {{x3()}, {w}, {r}, {b}}, at, 3, 14);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({3, 1, 1, 2}, {-0.1374573f, 0.09627216f, 0.08928675f, -0.001663834f,
                                                                    -0.2897389f, 0.138978f}), 1e-5, 1e-6));
  EXPECT_TRUE(tensors_near(y[1], Tensor::from<float>({1, 1, 2}, {-0.2897389f, 0.138978f}), 1e-5, 1e-6));
  EXPECT_TRUE(tensors_near(y[2], Tensor::from<float>({1, 1, 2}, {-0.5904264f, 0.1897836f}), 1e-5, 1e-6));
}

TEST(Gru, LinearBeforeResetMatchesPytorch) {
  Tensor w = Tensor::from<float>({1, 6, 1}, {0.5302769f, 0.008373315f, 0.6938259f, -0.2991758f, -0.3725162f, 0.3634634f});
  Tensor r = Tensor::from<float>({1, 6, 2}, {-0.679804f, -0.3371356f, 0.3837002f, -0.1718816f, -0.3753465f, 0.2079634f,
                                             -0.2041822f, -0.07752322f, 0.7043133f, 0.5668086f, -0.0331093f, -0.4719818f});
  Tensor b = Tensor::from<float>({1, 12}, {-0.4570878f, 0.4592974f, 0.4306013f, 0.2194556f, 0.4292858f, 0.6271294f,
                                           -0.01369798f, 0.1032782f, -0.3963755f, -0.116394f, -0.5366362f, -0.5017788f});
  Attributes at;
  at.set_int("linear_before_reset", 1);
  auto y = run_op("GRU", {{x3()}, {w}, {r}, {b}}, at, 2, 14);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({3, 1, 1, 2}, {-0.04171091f, 0.1849004f, 0.4053765f, 0.08249354f,
                                                                    0.04153863f, 0.3237195f}), 1e-5, 1e-6));
  EXPECT_TRUE(tensors_near(y[1], Tensor::from<float>({1, 1, 2}, {0.04153863f, 0.3237195f}), 1e-5, 1e-6));
}

// RNN by hand: W = 0.5, R = 0.25, Wb = 0.1: h1 = tanh(0.6), h2 = tanh(1.1 + 0.25 h1).
TEST(Rnn, ByHandWithSequenceLensAndReverse) {
  Tensor x = Tensor::from<float>({2, 2, 1}, {1, 3, 2, 5});  // [seq, batch, input]; batch 1 has length 1
  Tensor w = Tensor::from<float>({1, 1, 1}, {0.5f});
  Tensor r = Tensor::from<float>({1, 1, 1}, {0.25f});
  Tensor b = Tensor::from<float>({1, 2}, {0.1f, 0.0f});
  Tensor lens = Tensor::from<int32_t>({2}, {2, 1});
  const float h1 = std::tanh(0.6f), h2 = std::tanh(1.1f + 0.25f * h1), other = std::tanh(1.6f);
  auto y = run_op("RNN", {{x}, {w}, {r}, {b}, {lens}}, {}, 2, 14);
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({2, 1, 2, 1}, {h1, other, h2, 0})));
  EXPECT_TRUE(tensors_near(y[1], Tensor::from<float>({1, 2, 1}, {h2, other})));
  // Reverse: batch 0 reads x=2 then x=1.
  Attributes at;
  at.set_string("direction", "reverse");
  const float r1 = std::tanh(1.1f), r2 = std::tanh(0.6f + 0.25f * r1);
  auto z = run_op("RNN", {{x}, {w}, {r}, {b}, {lens}}, at, 2, 14);
  EXPECT_TRUE(tensors_near(z[0], Tensor::from<float>({2, 1, 2, 1}, {r2, other, r1, 0})));
}

TEST(Rnn, BatchwiseLayoutAndErrors) {
  Tensor x = Tensor::from<float>({1, 2, 1}, {1, 2});  // layout 1: [batch, seq, input]
  Tensor w = Tensor::from<float>({1, 1, 1}, {0.5f});
  Tensor r = Tensor::from<float>({1, 1, 1}, {0.25f});
  Attributes at;
  at.set_int("layout", 1);
  at.set("activations", strings({"Relu"}));
  auto y = run_op("RNN", {{x}, {w}, {r}}, at, 2, 14);
  // relu: h1 = 0.5, h2 = 1.0 + 0.125
  EXPECT_TRUE(tensors_near(y[0], Tensor::from<float>({1, 2, 1, 1}, {0.5f, 1.125f})));
  EXPECT_TRUE(tensors_near(y[1], Tensor::from<float>({1, 1, 1}, {1.125f})));
  Attributes bad;
  bad.set("activations", strings({"Gelu"}));
  EXPECT_THROW(run_op("RNN", {{x}, {w}, {r}}, bad, 2, 14), Error);
  EXPECT_THROW(run_op("RNN", {{x}, {Tensor::from<float>({1, 1, 2}, {1, 2})}, {r}}, {}, 2, 14), Error);
}

}  // namespace
}  // namespace wisp
