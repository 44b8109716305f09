// The x86 depthwise and grouped Conv (conv_grouped_f32.cpp, depthwise_conv_f32_*.cpp)
// against the reference Conv, for AVX2 and AVX-512: output rows narrower than, equal to
// and wider than one and four vectors (8 / 16 floats), odd channel counts, kernels 3x3,
// 5x5 and others (the generic path), strides 1 and 2 (and 2 rows x 1 column), asymmetric
// pads 0..2, dilation, channel multiplier 2, batch 2, no bias, fused activations; and
// 1 vs 2 vs 3 threads bit-identical; small planes (zero-padded copy) and large ones
// (scalar border columns).
#include <gtest/gtest.h>

#include <cmath>

#include "ir/ops/epilogue_attrs.hpp"
#include "kernels/simd_window_test_util.hpp"

namespace wisp {
namespace {

struct DwCase {
  Shape x;                  // N, C, H, W (or N, C, W)
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides, pads, dilations;
  int64_t multiplier = 1;   // output channels per input channel
  int64_t group = 0;        // 0: depthwise (= C)
  bool bias = true;
  const char* act = nullptr;
  float alpha = 0, beta = 0;
};

std::vector<Tensor> run_case(const DwCase& c, Isa isa, int threads) {
  const int64_t channels = c.x[1];
  const int64_t group = c.group ? c.group : channels;
  const int64_t out_channels = channels * c.multiplier;
  Shape w{out_channels, channels / group};
  for (int64_t k : c.kernel) w.push_back(k);
  std::vector<Tensor> constants{test::random_f32(w, 2)};
  if (c.bias) constants.push_back(test::random_f32(Shape{out_channels}, 3));
  Attributes at;
  at.set_int("group", group);
  at.set_ints("kernel_shape", c.kernel);
  if (!c.strides.empty()) at.set_ints("strides", c.strides);
  if (!c.pads.empty()) at.set_ints("pads", c.pads);
  if (!c.dilations.empty()) at.set_ints("dilations", c.dilations);
  if (c.act) {
    at.set_string(kActivationAttr, c.act);
    at.set_float(kActivationAlphaAttr, c.alpha);
    at.set_float(kActivationBetaAttr, c.beta);
  }
  return test::run_window_op("Conv", test::random_f32(c.x, 1), constants, at, 1, isa, threads);
}

void check_cases(const std::vector<DwCase>& cases) {
  const std::vector<Isa> isas = test::simd_isas();
  if (isas.empty()) GTEST_SKIP() << "no x86 SIMD on this CPU";
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "case " << i << " x " << cases[i].x.str());
    const Tensor want = run_case(cases[i], Isa::kRef, 1).at(0);
    for (Isa isa : isas) {
      SCOPED_TRACE(isa_name(isa));
      const Tensor one = run_case(cases[i], isa, 1).at(0);
      ASSERT_TRUE(test::tensors_near(one, want, 1e-5, 1e-5));
      for (int threads : {2, 3}) ASSERT_TRUE(test::bit_identical(run_case(cases[i], isa, threads).at(0), one));
    }
  }
}

TEST(DepthwiseConvSimd, Kernel3x3RowWidths) {
  std::vector<DwCase> cases;
  // Output widths around 8, 16 and 4 vectors of 16 (64), stride 1 and 2, pads 0/1.
  for (int64_t w : {1, 2, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 70, 112}) {
    cases.push_back({Shape{1, 3, 5, w}, {3, 3}, {1, 1}, {1, 1, 1, 1}});
    if (w >= 3) cases.push_back({Shape{1, 3, 4, w}, {3, 3}, {1, 1}, {0, 0, 0, 0}});
    cases.push_back({Shape{1, 5, 6, w}, {3, 3}, {2, 2}, {1, 1, 1, 1}});
    cases.push_back({Shape{1, 3, 7, 2 * w + 1}, {3, 3}, {2, 2}, {1, 1, 1, 1}});
  }
  check_cases(cases);
}

TEST(DepthwiseConvSimd, PadsStridesKernels) {
  const std::vector<DwCase> cases = {
      {Shape{1, 7, 9, 19}, {3, 3}, {1, 1}, {0, 1, 2, 0}},             // asymmetric pads
      {Shape{1, 7, 9, 19}, {3, 3}, {2, 2}, {2, 0, 1, 2}},
      {Shape{1, 7, 10, 20}, {3, 3}, {2, 2}, {0, 0, 1, 1}},            // TF-style SAME, stride 2
      {Shape{1, 5, 12, 23}, {5, 5}, {1, 1}, {2, 2, 2, 2}},            // 5x5
      {Shape{1, 5, 12, 40}, {5, 5}, {2, 2}, {2, 2, 2, 2}},
      {Shape{1, 5, 11, 37}, {5, 5}, {2, 2}, {1, 2, 2, 1}},
      {Shape{1, 3, 9, 21}, {7, 7}, {1, 1}, {3, 3, 3, 3}},             // generic width
      {Shape{1, 3, 9, 21}, {1, 3}, {1, 2}, {0, 1, 0, 1}},
      {Shape{1, 3, 9, 21}, {3, 1}, {1, 1}, {1, 0, 1, 0}},
      {Shape{1, 3, 9, 33}, {2, 2}, {2, 2}, {}},
      {Shape{1, 4, 11, 29}, {3, 3}, {2, 1}, {1, 1, 1, 1}},            // row stride 2, column stride 1
      {Shape{1, 4, 11, 29}, {3, 3}, {1, 2}, {1, 1, 1, 1}},
      {Shape{1, 4, 13, 30}, {3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}},    // dilation 2
      {Shape{1, 4, 13, 30}, {3, 3}, {2, 2}, {2, 1, 2, 1}, {1, 2}},
      {Shape{1, 2, 3, 3}, {3, 3}, {1, 1}, {}},                        // one output
      {Shape{1, 2, 2, 2}, {3, 3}, {1, 1}, {1, 1, 1, 1}},              // all border
      {Shape{1, 3, 5, 20}, {3, 3}, {3, 3}, {1, 1, 1, 1}},             // stride 3: reference path
      {Shape{1, 6, 41}, {3}, {1}, {1, 1}},                            // 1-D
      {Shape{1, 6, 41}, {5}, {2}, {2, 2}},
  };
  check_cases(cases);
}

TEST(DepthwiseConvSimd, BatchMultiplierBiasActivations) {
  const std::vector<DwCase> cases = {
      {Shape{2, 5, 9, 17}, {3, 3}, {1, 1}, {1, 1, 1, 1}},
      {Shape{1, 3, 9, 17}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 2},       // channel multiplier 2
      {Shape{2, 3, 9, 18}, {5, 5}, {2, 2}, {2, 2, 2, 2}, {}, 3, 0, false},
      {Shape{1, 5, 9, 17}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 0, false},
      {Shape{1, 5, 9, 37}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 0, true, "Relu"},
      {Shape{1, 5, 9, 37}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {}, 1, 0, true, "Clip", 0.0f, 0.3f},
      {Shape{1, 5, 9, 37}, {5, 5}, {1, 1}, {2, 2, 2, 2}, {}, 1, 0, true, "HardSwish", 1.0f / 6, 0.5f},
      {Shape{1, 5, 9, 37}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 0, true, "HardSigmoid", 0.2f, 0.5f},
      {Shape{1, 5, 9, 37}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 0, true, "LeakyRelu", 0.1f},
      // exp/tanh/erf activations: the vectorised row epilogue after the plane
      {Shape{1, 5, 9, 37}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 0, true, "Sigmoid"},
      {Shape{1, 5, 9, 37}, {5, 5}, {2, 2}, {2, 2, 2, 2}, {}, 1, 0, true, "Tanh"},
      {Shape{1, 5, 9, 37}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 0, true, "Silu"},
      {Shape{1, 5, 9, 37}, {5, 5}, {2, 2}, {2, 2, 2, 2}, {}, 1, 0, true, "Silu"},
      {Shape{1, 5, 9, 37}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 0, true, "Gelu"},
      {Shape{1, 5, 9, 37}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {}, 1, 0, true, "GeluTanh"},
  };
  check_cases(cases);
}

// Padded planes above 8192 floats skip the zero-padded copy and compute the border columns
// with the scalar loop: the same checks on planes that large.
TEST(DepthwiseConvSimd, LargePlanesBorderPath) {
  const std::vector<DwCase> cases = {
      {Shape{1, 3, 91, 97}, {3, 3}, {1, 1}, {1, 1, 1, 1}},
      {Shape{1, 3, 91, 97}, {3, 3}, {2, 2}, {0, 1, 2, 0}},
      {Shape{1, 2, 90, 101}, {5, 5}, {2, 2}, {2, 1, 1, 2}, {}, 2},
      {Shape{1, 2, 90, 101}, {5, 5}, {1, 1}, {2, 2, 2, 2}, {2, 2}, 1, 0, true, "Relu"},
      {Shape{1, 2, 90, 130}, {7, 7}, {2, 1}, {3, 3, 3, 3}, {}, 1, 0, true, "Sigmoid"},
  };
  check_cases(cases);
}

TEST(GroupedConvSimd, PerGroupGemm) {
  const std::vector<DwCase> cases = {
      {Shape{1, 8, 9, 11}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 2},         // 2 groups
      {Shape{2, 12, 10, 10}, {3, 3}, {2, 2}, {1, 0, 1, 2}, {}, 2, 4},       // 4 groups, 6 outputs each
      {Shape{1, 12, 7, 9}, {1, 1}, {}, {}, {}, 1, 3, false},                // pointwise, no im2col
      {Shape{1, 16, 8, 8}, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}, 1, 8, true, "Relu"},  // 2 channels per group
  };
  check_cases(cases);
}

}  // namespace
}  // namespace wisp
