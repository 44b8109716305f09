// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
//
// Inputs are viewed as [N, C, D] (D = product of the extra dims d1..dk, 1 if none) and the
// targets as [N, D]. The per-element loss is -w[t] * logp[n, t, d] with w the optional
// class weights (1 without), and 0 with weight 0 where t == ignore_index. "mean" divides
// the summed loss by the summed weights of the elements that were not ignored.
// SoftmaxCrossEntropyLoss is the same loss over log_softmax(scores, axis=1), computed
// per (n, d) column without scratch memory; its optional output 1 is that log_softmax.
#pragma once
#include <cstdint>

#include "core/tensor.hpp"

namespace wisp::ref {

enum class LossReduction : uint8_t { kNone, kSum, kMean };

struct LossParams {
  LossReduction reduction = LossReduction::kMean;
  bool has_ignore_index = false;
  int64_t ignore_index = 0;
  int64_t n = 1, c = 1, d = 1;
};

// weights may be null. log_prob (SoftmaxCrossEntropyLoss only) may be null.
void nll_loss(const TensorView& input, const TensorView& target, const TensorView* weights, TensorView& loss,
              const LossParams& p);
void softmax_cross_entropy_loss(const TensorView& scores, const TensorView& labels, const TensorView* weights,
                                TensorView& loss, TensorView* log_prob, const LossParams& p);

}  // namespace wisp::ref
