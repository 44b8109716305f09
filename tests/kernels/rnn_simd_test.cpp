// The x86 float32 LSTM / GRU kernels (src/kernels/x86/rnn_f32_*) against the reference
// kernel on random weights: hidden sizes below, at and above the 8 / 16 / 32 lane and
// panel widths, every direction and layout, batch > 1 with sequence_lens, initial states,
// peepholes, clip, input_forget and linear_before_reset; bit-identical results for 1, 2
// and 3 threads; and the reference fallback for non-default activations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/cpu_features.hpp"
#include "kernels/kernel_registry.hpp"
#include "kernels/packed_weights.hpp"
#include "kernels/ref/rnn.hpp"
#include "runtime/thread_pool.hpp"
#include "test_util/op_test_util.hpp"

namespace wisp {
namespace {

using ref::RnnActivationKind;
using ref::RnnDirection;
using ref::RnnKind;

struct Case {
  RnnKind kind = RnnKind::kLstm;
  RnnDirection direction = RnnDirection::kForward;
  int64_t seq = 3, batch = 1, input = 5, hidden = 7;
  int layout = 0;
  bool bias = true, lens = false, init = false, peep = false, input_forget = false, lbr = false;
  float clip = 0;  // 0: none
  bool tanh_everywhere = false;  // a non-default activation list (reference fallback)
};

ref::RnnParams params_for(const Case& c) {
  ref::RnnParams p;
  p.kind = c.kind;
  p.direction = c.direction;
  p.seq = c.seq, p.batch = c.batch, p.input = c.input, p.hidden = c.hidden;
  p.dirs = c.direction == RnnDirection::kBidirectional ? 2 : 1;
  p.gates = c.kind == RnnKind::kLstm ? 4 : 3;
  p.acts_per_dir = c.kind == RnnKind::kLstm ? 3 : 2;
  p.layout = c.layout;
  p.has_clip = c.clip > 0;
  p.clip = c.clip;
  p.linear_before_reset = c.lbr;
  p.input_forget = c.input_forget;
  for (int d = 0; d < p.dirs; ++d) {
    ref::RnnActivation* a = p.acts + d * p.acts_per_dir;
    a[0].kind = c.tanh_everywhere ? RnnActivationKind::kTanh : RnnActivationKind::kSigmoid;
    for (int k = 1; k < p.acts_per_dir; ++k) a[k].kind = RnnActivationKind::kTanh;
  }
  return p;
}

struct Inputs {
  std::vector<Tensor> t;  // X, W, R, B, sequence_lens, initial_h, initial_c, P (empty = omitted)
};

Inputs make_inputs(const Case& c, const ref::RnnParams& p, uint32_t seed) {
  const float s = 0.6f;
  Inputs in;
  in.t.resize(8);
  const int64_t G = p.gates, H = p.hidden, D = p.dirs;
  in.t[0] = test::random_f32(c.layout == 0 ? Shape{c.seq, c.batch, c.input} : Shape{c.batch, c.seq, c.input}, seed, -2, 2);
  in.t[1] = test::random_f32(Shape{D, G * H, c.input}, seed + 1, -s, s);
  in.t[2] = test::random_f32(Shape{D, G * H, H}, seed + 2, -s, s);
  if (c.bias) in.t[3] = test::random_f32(Shape{D, 2 * G * H}, seed + 3, -s, s);
  if (c.lens) {
    in.t[4] = Tensor(DType::kI32, Shape{c.batch});  // lengths seq, seq - 1, ... (0 at the least)
    for (int64_t b = 0; b < c.batch; ++b) in.t[4].as<int32_t>()[b] = static_cast<int32_t>(std::max<int64_t>(c.seq - b, 0));
  }
  const Shape state = c.layout == 0 ? Shape{D, c.batch, H} : Shape{c.batch, D, H};
  if (c.init) {
    in.t[5] = test::random_f32(state, seed + 5);
    if (c.kind == RnnKind::kLstm) in.t[6] = test::random_f32(state, seed + 6, -2, 2);
  }
  if (c.peep) in.t[7] = test::random_f32(Shape{D, 3 * H}, seed + 7, -s, s);
  return in;
}

// Runs `fn` like the session would; returns Y, Y_h (and Y_c for LSTM).
std::vector<Tensor> call(KernelFn fn, const ref::RnnParams& p, const Inputs& in, ThreadPool* pool,
                         bool fast_scratch = true) {
  std::vector<TensorView> views(in.t.size());
  std::vector<const TensorView*> ins(in.t.size(), nullptr);
  for (size_t i = 0; i < in.t.size(); ++i) {
    if (in.t[i].view().dtype == DType::kUndefined) continue;  // omitted
    views[i] = in.t[i].view();
    ins[i] = &views[i];
  }
  if (p.kind != RnnKind::kLstm) ins.resize(6);
  const Shape state = p.layout == 0 ? Shape{p.dirs, p.batch, p.hidden} : Shape{p.batch, p.dirs, p.hidden};
  std::vector<Tensor> outs;
  outs.emplace_back(DType::kF32, p.layout == 0 ? Shape{p.seq, p.dirs, p.batch, p.hidden}
                                               : Shape{p.batch, p.seq, p.dirs, p.hidden});
  outs.emplace_back(DType::kF32, state);
  if (p.kind == RnnKind::kLstm) outs.emplace_back(DType::kF32, state);
  std::vector<TensorView> out_views;
  for (Tensor& t : outs) {
    for (int64_t i = 0; i < t.numel(); ++i) t.as<float>()[i] = 12345.0f;  // every element must be written
    out_views.push_back(t.view());
  }
  std::vector<TensorView*> out_ptrs;
  for (TensorView& v : out_views) out_ptrs.push_back(&v);
  const int64_t scratch_bytes = ref::rnn_scratch_bytes(p, fast_scratch);
  std::vector<uint8_t> scratch(static_cast<size_t>(scratch_bytes) + 64);
  void* aligned = scratch.data() + (64 - reinterpret_cast<uintptr_t>(scratch.data()) % 64) % 64;
  KernelArgs args{nullptr, &p, ins, out_ptrs, aligned, scratch_bytes, nullptr, pool};
  fn(args);
  return outs;
}

KernelFn variant(const char* op, Isa isa, std::string& why_not) {
  if (min_isa(best_isa(), isa) != isa) {
    why_not = std::string("the CPU (or WISP_MAX_ISA) does not allow ") + std::string(isa_name(isa));
    return nullptr;
  }
  KernelFn fn = find_kernel("", op, DType::kF32, isa), below = find_kernel("", op, DType::kF32, Isa::kPortable);
  if (fn == below) {
    why_not = std::string("no ") + op + " kernel for " + std::string(isa_name(isa)) + " in this build";
    return nullptr;
  }
  return fn;
}

const char* op_name(RnnKind k) { return k == RnnKind::kLstm ? "LSTM" : "GRU"; }

::testing::AssertionResult matches_reference(const Case& c, Isa isa, uint32_t seed) {
  std::string why;
  KernelFn fn = variant(op_name(c.kind), isa, why);
  if (!fn) return ::testing::AssertionSuccess();
  KernelFn ref_fn = find_kernel("", op_name(c.kind), DType::kF32, Isa::kRef);
  const ref::RnnParams p = params_for(c);
  const Inputs in = make_inputs(c, p, seed);
  const auto want = call(ref_fn, p, in, nullptr);
  const auto got = call(fn, p, in, nullptr);
  for (size_t i = 0; i < want.size(); ++i) {
    auto r = test::tensors_near(got[i], want[i], 1e-5, 1e-5);
    if (!r) return r << " (output " << i << ", seed " << seed << ", hidden " << c.hidden << ")";
  }
  return ::testing::AssertionSuccess();
}

class RnnSimd : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    std::string why;
    if (!variant("LSTM", GetParam(), why)) GTEST_SKIP() << why;
  }
};

TEST_P(RnnSimd, MatchesReferenceAtPanelEdges) {
  uint32_t seed = 1;
  for (RnnKind kind : {RnnKind::kLstm, RnnKind::kGru})
    for (int64_t hidden : {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 64, 65})
      for (int64_t input : {1, 5, 16}) {
        Case c;
        c.kind = kind;
        c.hidden = hidden;
        c.input = input;
        c.seq = 1 + seed % 4;
        c.lbr = seed % 2;
        ASSERT_TRUE(matches_reference(c, GetParam(), seed++));
      }
}

TEST_P(RnnSimd, MatchesReferenceWithEveryAttribute) {
  uint32_t seed = 100;
  for (RnnKind kind : {RnnKind::kLstm, RnnKind::kGru})
    for (RnnDirection dir : {RnnDirection::kForward, RnnDirection::kReverse, RnnDirection::kBidirectional})
      for (int layout : {0, 1})
        for (int variant_bits = 0; variant_bits < 8; ++variant_bits) {
          Case c;
          c.kind = kind;
          c.direction = dir;
          c.layout = layout;
          c.seq = 5, c.batch = 3, c.input = 6, c.hidden = 19;
          c.bias = variant_bits & 1;
          c.lens = variant_bits & 2;
          c.init = variant_bits & 4;
          c.peep = kind == RnnKind::kLstm && (variant_bits & 1);
          c.clip = (variant_bits & 3) == 3 ? 0.7f : 0.0f;
          c.input_forget = kind == RnnKind::kLstm && variant_bits == 6;
          c.lbr = kind == RnnKind::kGru && (variant_bits & 4);
          ASSERT_TRUE(matches_reference(c, GetParam(), seed++))
              << op_name(kind) << " direction " << int(dir) << " layout " << layout << " bits " << variant_bits;
        }
}

TEST_P(RnnSimd, NonDefaultActivationsFallBackToTheReference) {
  for (RnnKind kind : {RnnKind::kLstm, RnnKind::kGru}) {
    Case c;
    c.kind = kind;
    c.tanh_everywhere = true;
    ASSERT_TRUE(matches_reference(c, GetParam(), 7));
  }
}

// Batch rows share passes over R (up to 4 at a time) but each row's sums keep one order:
// an element gives the same bits alone as inside a batch of 6 with sequence_lens.
TEST_P(RnnSimd, ElementResultsDoNotDependOnTheBatch) {
  std::string why;
  for (RnnKind kind : {RnnKind::kLstm, RnnKind::kGru}) {
    Case c;
    c.kind = kind;
    c.direction = RnnDirection::kBidirectional;
    c.seq = 5, c.batch = 6, c.input = 7, c.hidden = 37;
    c.lens = true, c.init = true;
    KernelFn fn = variant(op_name(kind), GetParam(), why);
    const ref::RnnParams p = params_for(c);
    const Inputs in = make_inputs(c, p, 31);
    const auto all = call(fn, p, in, nullptr);
    ASSERT_TRUE(matches_reference(c, GetParam(), 31));
    for (int64_t b : {0, 3, 5}) {  // alone: X[:, b], lens[b], initial states [:, b]
      Case one_c = c;
      one_c.batch = 1;
      const ref::RnnParams p1 = params_for(one_c);
      Inputs one;
      one.t.resize(8);
      auto slice = [&](const Tensor& t, int64_t outer, int64_t inner) {  // [outer, batch, inner] -> [outer, 1, inner]
        Tensor r(DType::kF32, Shape{outer, 1, inner});
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) r.as<float>()[o * inner + i] = t.as<float>()[(o * c.batch + b) * inner + i];
        return r;
      };
      one.t[0] = slice(in.t[0], c.seq, c.input);
      for (int i : {1, 2, 3}) one.t[i] = Tensor::copy_of(in.t[i].view());
      one.t[4] = Tensor(DType::kI32, Shape{1});
      one.t[4].as<int32_t>()[0] = in.t[4].as<int32_t>()[b];
      one.t[5] = slice(in.t[5], 2, c.hidden);
      if (kind == RnnKind::kLstm) one.t[6] = slice(in.t[6], 2, c.hidden);
      const auto alone = call(fn, p1, one, nullptr);
      const int64_t len = in.t[4].as<int32_t>()[b];
      for (int64_t s = 0; s < len; ++s)  // Y [seq, dirs, batch, hidden]
        for (int d = 0; d < 2; ++d)
          ASSERT_EQ(0, std::memcmp(alone[0].as<float>() + (s * 2 + d) * c.hidden,
                                   all[0].as<float>() + ((s * 2 + d) * c.batch + b) * c.hidden, sizeof(float) * c.hidden))
              << op_name(kind) << " batch element " << b << " step " << s << " direction " << d;
    }
  }
}

// A plan without the fast path's scratch (rnn_scratch_bytes(p, false)) runs the reference.
TEST_P(RnnSimd, ReferenceScratchOnlyFallsBackToTheReference) {
  std::string why;
  Case c;
  c.seq = 6, c.hidden = 40;
  KernelFn fn = variant("LSTM", GetParam(), why);
  const ref::RnnParams p = params_for(c);
  ASSERT_LT(ref::rnn_scratch_bytes(p, false), ref::rnn_fast_scratch_floats(p) * 4);
  const Inputs in = make_inputs(c, p, 21);
  const auto got = call(fn, p, in, nullptr, false);
  const auto want = call(find_kernel("", "LSTM", DType::kF32, Isa::kRef), p, in, nullptr, false);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(test::tensors_near(got[i], want[i], 0, 0));
}

TEST_P(RnnSimd, SameBitsForOneTwoAndThreeThreads) {
  std::string why;
  ThreadPool two(2), three(3);
  for (RnnKind kind : {RnnKind::kLstm, RnnKind::kGru})
    for (bool lbr : {false, true}) {
      Case c;
      c.kind = kind;
      c.lbr = lbr;
      c.seq = 4, c.batch = 2, c.input = 9;
      c.hidden = kind == RnnKind::kLstm ? 133 : 150;  // big enough for a step to be split
      c.init = true;
      KernelFn fn = variant(op_name(kind), GetParam(), why);
      const ref::RnnParams p = params_for(c);
      const Inputs in = make_inputs(c, p, 3);
      const auto one = call(fn, p, in, nullptr);
      for (ThreadPool* pool : {&two, &three}) {
        const auto many = call(fn, p, in, pool);
        for (size_t i = 0; i < one.size(); ++i)
          ASSERT_EQ(0, std::memcmp(one[i].data(), many[i].data(), static_cast<size_t>(one[i].view().bytes())))
              << op_name(kind) << " output " << i << " with " << pool->threads() << " threads";
      }
      ASSERT_TRUE(matches_reference(c, GetParam(), 3));
    }
}

std::string isa_param_name(const ::testing::TestParamInfo<Isa>& info) { return std::string(isa_name(info.param)); }

INSTANTIATE_TEST_SUITE_P(AllIsas, RnnSimd, ::testing::Values(Isa::kAvx2, Isa::kAvx512), isa_param_name);

}  // namespace
}  // namespace wisp
