#include "kernels/ref/loss.hpp"

#include <cmath>
#include <limits>

#include "kernels/kernel_registry.hpp"

namespace wisp::ref {
namespace {

// Shared tail of both losses: `logp(n, c, d)` gives the log-probability of class c.
template <class T, class LogP>
void loss_from_logp(const TensorView& target, const TensorView* weights, TensorView& loss, const LossParams& p,
                    LogP logp) {
  const T* w = weights ? weights->as<T>() : nullptr;
  T* out = loss.as<T>();
  double total = 0, weight_sum = 0;
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t d = 0; d < p.d; ++d) {
      const int64_t t = element_as_int(target, n * p.d + d);
      double l = 0, wt = 0;
      if (!(p.has_ignore_index && t == p.ignore_index)) {
        WISP_CHECK(t >= 0 && t < p.c, ErrorCode::kOutOfRange, "loss: target ", t, " at position ", n * p.d + d,
                   " is outside [0, ", p.c, ")");
        wt = w ? static_cast<double>(w[t]) : 1.0;
        l = -wt * logp(n, t, d);
      }
      if (p.reduction == LossReduction::kNone) out[n * p.d + d] = T(static_cast<float>(l));
      total += l;
      weight_sum += wt;
    }
  }
  if (p.reduction == LossReduction::kSum) out[0] = T(static_cast<float>(total));
  // All targets ignored: 0/0, NaN as in the ONNX reference implementation.
  if (p.reduction == LossReduction::kMean) out[0] = T(static_cast<float>(total / weight_sum));
}

template <class T>
void nll_typed(const TensorView& input, const TensorView& target, const TensorView* weights, TensorView& loss,
               const LossParams& p) {
  const T* x = input.as<T>();
  loss_from_logp<T>(target, weights, loss, p,
                    [&](int64_t n, int64_t c, int64_t d) { return static_cast<double>(x[(n * p.c + c) * p.d + d]); });
}

template <class T>
void sce_typed(const TensorView& scores, const TensorView& labels, const TensorView* weights, TensorView& loss,
               TensorView* log_prob, const LossParams& p) {
  const T* x = scores.as<T>();
  auto at = [&](int64_t n, int64_t c, int64_t d) { return (n * p.c + c) * p.d + d; };
  // log-sum-exp of column (n, d), recomputed per use: cheap next to a model's work and
  // it needs no scratch.
  auto log_norm = [&](int64_t n, int64_t d) {
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t c = 0; c < p.c; ++c) m = std::fmax(m, static_cast<double>(x[at(n, c, d)]));
    double s = 0;
    for (int64_t c = 0; c < p.c; ++c) s += std::exp(static_cast<double>(x[at(n, c, d)]) - m);
    return m + std::log(s);
  };
  if (log_prob) {
    T* lp = log_prob->as<T>();
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t d = 0; d < p.d; ++d) {
        const double z = log_norm(n, d);
        for (int64_t c = 0; c < p.c; ++c) lp[at(n, c, d)] = T(static_cast<float>(static_cast<double>(x[at(n, c, d)]) - z));
      }
  }
  loss_from_logp<T>(labels, weights, loss, p, [&](int64_t n, int64_t c, int64_t d) {
    return static_cast<double>(x[at(n, c, d)]) - log_norm(n, d);
  });
}

template <class Fn>
void dispatch_float(DType t, const char* what, Fn&& fn) {
  switch (t) {
    case DType::kF32: return fn(float{});
    case DType::kF64: return fn(double{});
    case DType::kF16: return fn(Float16{});
    case DType::kBF16: return fn(BFloat16{});
    default: fail(ErrorCode::kUnsupported, what, ": element type ", dtype_name(t), " is not supported");
  }
}

void nll_kernel(const KernelArgs& a) {
  nll_loss(*a.in[0], *a.in[1], a.has_in(2) ? a.in[2] : nullptr, *a.out[0], a.p<LossParams>());
}

void sce_kernel(const KernelArgs& a) {
  softmax_cross_entropy_loss(*a.in[0], *a.in[1], a.has_in(2) ? a.in[2] : nullptr, *a.out[0],
                             a.has_out(1) ? a.out[1] : nullptr, a.p<LossParams>());
}

}  // namespace

void nll_loss(const TensorView& input, const TensorView& target, const TensorView* weights, TensorView& loss,
              const LossParams& p) {
  dispatch_float(input.dtype, "NegativeLogLikelihoodLoss", [&](auto tag) {
    nll_typed<decltype(tag)>(input, target, weights, loss, p);
  });
}

void softmax_cross_entropy_loss(const TensorView& scores, const TensorView& labels, const TensorView* weights,
                                TensorView& loss, TensorView* log_prob, const LossParams& p) {
  dispatch_float(scores.dtype, "SoftmaxCrossEntropyLoss", [&](auto tag) {
    sce_typed<decltype(tag)>(scores, labels, weights, loss, log_prob, p);
  });
}

WISP_REGISTER_KERNEL("NegativeLogLikelihoodLoss", DType::kUndefined, Isa::kRef, nll_kernel);
WISP_REGISTER_KERNEL("SoftmaxCrossEntropyLoss", DType::kUndefined, Isa::kRef, sce_kernel);

}  // namespace wisp::ref
