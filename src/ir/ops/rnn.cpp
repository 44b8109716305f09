// RNN, GRU, LSTM (opset 14 forms). Inputs: X, W, R, B?, sequence_lens?, initial_h?,
// and for LSTM initial_c?, P?. Outputs Y?, Y_h?, (LSTM) Y_c?. See kernels/ref/rnn.hpp.
#include <string>
#include <vector>

#include "ir/ops/infer_util.hpp"
#include "kernels/ref/rnn.hpp"

namespace wisp {
namespace {

using ref::RnnActivationKind;

struct ActivationInfo {
  const char* name;
  RnnActivationKind kind;
  int params;  // how many of alpha, beta it takes
  float alpha, beta;  // defaults (those of the ONNX operators of the same name)
};
constexpr ActivationInfo kActivations[] = {
    {"Relu", RnnActivationKind::kRelu, 0, 0, 0},
    {"Tanh", RnnActivationKind::kTanh, 0, 0, 0},
    {"Sigmoid", RnnActivationKind::kSigmoid, 0, 0, 0},
    {"Affine", RnnActivationKind::kAffine, 2, 1.0f, 0.0f},
    {"LeakyRelu", RnnActivationKind::kLeakyRelu, 1, 0.01f, 0},
    {"ThresholdedRelu", RnnActivationKind::kThresholdedRelu, 1, 1.0f, 0},
    {"ScaledTanh", RnnActivationKind::kScaledTanh, 2, 1.0f, 1.0f},
    {"HardSigmoid", RnnActivationKind::kHardSigmoid, 2, 0.2f, 0.5f},
    {"Elu", RnnActivationKind::kElu, 1, 1.0f, 0},
    {"Softsign", RnnActivationKind::kSoftsign, 0, 0, 0},
    {"Softplus", RnnActivationKind::kSoftplus, 0, 0, 0},
};

// Fills p.acts from the `activations` attribute (or the op's defaults). alpha/beta values
// are consumed in order by the activations that take them, as ONNX Runtime does.
void read_activations(InferContext& ctx, ref::RnnParams& p, std::vector<std::string> defaults) {
  std::vector<std::string> names;
  if (const Attribute* a = ctx.attrs().find("activations")) names = a->strings;
  if (names.empty()) {
    for (int d = 0; d < p.dirs; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  } else if (static_cast<int>(names.size()) == p.acts_per_dir && p.dirs == 2) {
    names.insert(names.end(), names.begin(), names.end());  // one list for both directions
  }
  if (static_cast<int>(names.size()) != p.acts_per_dir * p.dirs)
    ctx.fail_invalid(str_cat("expected ", p.acts_per_dir * p.dirs, " activations, got ", names.size()));
  const std::vector<float> alphas = ctx.attrs().get_floats("activation_alpha");
  const std::vector<float> betas = ctx.attrs().get_floats("activation_beta");
  size_t ai = 0, bi = 0;
  for (size_t k = 0; k < names.size(); ++k) {
    const ActivationInfo* info = nullptr;
    for (const ActivationInfo& c : kActivations)
      if (names[k] == c.name) info = &c;
    if (!info) ctx.fail_unsupported(str_cat("activation '", names[k], "' is not supported"));
    ref::RnnActivation& act = p.acts[k];
    act.kind = info->kind;
    act.alpha = info->params >= 1 && ai < alphas.size() ? alphas[ai++] : info->alpha;
    act.beta = info->params >= 2 && bi < betas.size() ? betas[bi++] : info->beta;
  }
}

template <ref::RnnKind kKind>
void infer_rnn(InferContext& ctx) {
  require_dtype_in(ctx, 0, {DType::kF32, DType::kF64, DType::kF16, DType::kBF16});
  const bool lstm = kKind == ref::RnnKind::kLstm;
  for (int i : {1, 2, 3, 5, 6, 7}) {  // every input but sequence_lens (int32) has X's type
    if (i < ctx.num_inputs() && ctx.has_input(i) && ctx.input_dtype(i) != ctx.input_dtype(0))
      ctx.fail_invalid(str_cat("input ", i, " has type ", dtype_name(ctx.input_dtype(i)), " but X has type ",
                               dtype_name(ctx.input_dtype(0))));
  }
  auto& p = ctx.params<ref::RnnParams>();
  p.kind = kKind;
  p.gates = kKind == ref::RnnKind::kRnn ? 1 : kKind == ref::RnnKind::kGru ? 3 : 4;
  p.acts_per_dir = kKind == ref::RnnKind::kRnn ? 1 : kKind == ref::RnnKind::kGru ? 2 : 3;
  const std::string dir = ctx.attrs().get_string("direction", "forward");
  if (dir == "forward") p.direction = ref::RnnDirection::kForward;
  else if (dir == "reverse") p.direction = ref::RnnDirection::kReverse;
  else if (dir == "bidirectional") p.direction = ref::RnnDirection::kBidirectional;
  else ctx.fail_invalid(str_cat("direction '", dir, "' is not forward, reverse or bidirectional"));
  p.dirs = p.direction == ref::RnnDirection::kBidirectional ? 2 : 1;
  p.layout = static_cast<int>(ctx.attrs().get_int("layout", 0));
  if (p.layout != 0 && p.layout != 1) ctx.fail_invalid(str_cat("layout must be 0 or 1, got ", p.layout));
  p.has_clip = ctx.attrs().has("clip");
  p.clip = ctx.attrs().get_float("clip", 0);
  p.linear_before_reset = ctx.attrs().get_int("linear_before_reset", 0) != 0;
  p.input_forget = ctx.attrs().get_int("input_forget", 0) != 0;

  const Shape& x = ctx.input_shape(0);
  if (x.rank() != 3) ctx.fail_invalid(str_cat("X must be 3-D, got ", x.str()));
  p.seq = p.layout == 0 ? x[0] : x[1];
  p.batch = p.layout == 0 ? x[1] : x[0];
  p.input = x[2];
  const Shape& w = ctx.input_shape(1);
  if (w.rank() != 3 || w[0] != p.dirs || w[1] % p.gates != 0 || w[2] != p.input)
    ctx.fail_invalid(str_cat("W must be [", p.dirs, ", ", p.gates, "*hidden, ", p.input, "], got ", w.str()));
  p.hidden = w[1] / p.gates;
  const int64_t hs = ctx.attrs().get_int("hidden_size", p.hidden);
  if (hs != p.hidden) ctx.fail_invalid(str_cat("hidden_size=", hs, " but W implies ", p.hidden));
  auto expect = [&](int i, const Shape& want, const char* what) {
    if (ctx.has_input(i) && !(ctx.input_shape(i) == want))
      ctx.fail_invalid(str_cat(what, " must be ", want.str(), ", got ", ctx.input_shape(i).str()));
  };
  const Shape state = p.layout == 0 ? Shape{p.dirs, p.batch, p.hidden} : Shape{p.batch, p.dirs, p.hidden};
  expect(2, Shape{p.dirs, p.gates * p.hidden, p.hidden}, "R");
  expect(3, Shape{p.dirs, 2 * p.gates * p.hidden}, "B");
  expect(4, Shape{p.batch}, "sequence_lens");
  if (ctx.has_input(4)) require_dtype_in(ctx, 4, {DType::kI32, DType::kI64});
  expect(5, state, "initial_h");
  if (lstm) {
    expect(6, state, "initial_c");
    expect(7, Shape{p.dirs, 3 * p.hidden}, "P");
  }
  if (kKind == ref::RnnKind::kRnn) read_activations(ctx, p, {"Tanh"});
  else if (kKind == ref::RnnKind::kGru) read_activations(ctx, p, {"Sigmoid", "Tanh"});
  else read_activations(ctx, p, {"Sigmoid", "Tanh", "Tanh"});

  const DType t = ctx.input_dtype(0);
  if (ctx.has_output(0))
    ctx.set_output(0, t, p.layout == 0 ? Shape{p.seq, p.dirs, p.batch, p.hidden} : Shape{p.batch, p.seq, p.dirs, p.hidden});
  if (ctx.has_output(1)) ctx.set_output(1, t, state);
  if (lstm && ctx.has_output(2)) ctx.set_output(2, t, state);
  p.w_constant = ctx.input_value(1) != nullptr;
  p.r_constant = ctx.input_value(2) != nullptr;
  ctx.request_scratch(ref::rnn_scratch_bytes(p, t == DType::kF32));
}

}  // namespace

WISP_REGISTER_OP({.op_type = "RNN", .min_inputs = 3, .max_inputs = 6, .min_outputs = 0, .max_outputs = 2,
                  .infer = infer_rnn<ref::RnnKind::kRnn>});
WISP_REGISTER_OP({.op_type = "GRU", .min_inputs = 3, .max_inputs = 6, .min_outputs = 0, .max_outputs = 2,
                  .infer = infer_rnn<ref::RnnKind::kGru>});
WISP_REGISTER_OP({.op_type = "LSTM", .min_inputs = 3, .max_inputs = 8, .min_outputs = 0, .max_outputs = 3,
                  .infer = infer_rnn<ref::RnnKind::kLstm>});

}  // namespace wisp
