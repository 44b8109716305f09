// Top-1 and latency of one model on a dataset: the "before/after" numbers of a compare
// report (and the same counting `wisp eval` does).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/tensor.hpp"
#include "ir/graph.hpp"
#include "verify/batch_runner.hpp"

namespace wisp::verify {

struct ModelEvaluation {
  std::vector<int64_t> predictions;  // arg-max of the first output, per sample
  double top1 = -1;                  // percent against the labels; -1 without labels
  double latency_ms_median = -1;     // one sample per run, after one warm-up run; -1 if not measured
  int64_t samples = 0;
};

// Runs over `data` in options.batch batches for the predictions (and top-1 when `labels`
// is given), then times `latency_runs` single-sample runs of the first sample.
ModelEvaluation evaluate_model(std::shared_ptr<const Model> model, const Tensor& data, const Tensor* labels,
                               const BatchOptions& options, int latency_runs);

// Percent of positions where the two prediction lists agree (over the shorter).
double agreement_percent(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace wisp::verify
