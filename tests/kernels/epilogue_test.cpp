#include <gtest/gtest.h>
#include "kernels/ref/epilogue.hpp"

namespace wisp {
namespace {

// The reference epilogue's SiLU and GELU against hand-computed values (the SIMD epilogues
// are tested against this one in conv_simd_test / gemm_simd_test).
TEST(EpilogueRef, SiluAndGeluValues) {
  using ref::EpilogueAct;
  const ref::Epilogue silu{EpilogueAct::kSilu, 0, 0}, gelu{EpilogueAct::kGelu, 0, 0}, gelu_tanh{EpilogueAct::kGeluTanh, 0, 0};
  // silu(x) = x / (1 + e^-x)
  EXPECT_NEAR(ref::apply_epilogue(1.0f, silu), 0.7310586f, 1e-6);
  EXPECT_NEAR(ref::apply_epilogue(-2.0f, silu), -0.2384058f, 1e-6);
  EXPECT_EQ(ref::apply_epilogue(-200.0f, silu), -0.0f);
  // gelu(1) = 0.5 (1 + erf(1/sqrt 2)) = 0.8413447; the tanh form gives 0.8411920
  EXPECT_NEAR(ref::apply_epilogue(1.0f, gelu), 0.8413447f, 1e-6);
  EXPECT_NEAR(ref::apply_epilogue(-1.0f, gelu), -0.1586553f, 1e-6);
  EXPECT_NEAR(ref::apply_epilogue(1.0f, gelu_tanh), 0.8411920f, 1e-6);
  EXPECT_NEAR(ref::apply_epilogue(3.0f, gelu_tanh), 2.9963627f, 1e-5);
}

}  // namespace
}  // namespace wisp
