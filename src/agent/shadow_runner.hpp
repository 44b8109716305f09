// Shadow mode: a candidate that passed its health check runs on a sample of live inputs
// beside the serving model, on its own thread. Its outputs never reach callers. The
// worker offers (inputs, serving outputs) pairs without waiting: when the shadow queue
// (8 deep) is full the sample is dropped, so the caller is never delayed.
//
// Agreement over the first output: top-1 (argmax equal) and mean |candidate - serving|.
// Promotion is gated on min_samples and min_agreement (agent.cpp decides).
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/served_model.hpp"

namespace wisp::agent {

struct ShadowStats {
  int64_t samples = 0;
  int64_t top1_agree = 0;
  double sum_mean_abs_diff = 0;
  int64_t errors = 0;   // the candidate threw
  int64_t dropped = 0;  // offered while the queue was full
  double top1_agreement() const { return samples ? static_cast<double>(top1_agree) / samples : 0; }
  double mean_abs_diff() const { return samples ? sum_mean_abs_diff / samples : 0; }
};

// Top-1 equality and mean |a - b| of the first output of each (same size required).
void compare_outputs(const std::vector<NamedArray>& serving, const std::vector<NamedArray>& candidate, bool& top1_same,
                     double& mean_abs_diff);

class ShadowRunner {
 public:
  ShadowRunner(std::shared_ptr<const ServedModel> candidate, std::string abort_on_model = "");
  ~ShadowRunner();
  void offer(const std::vector<NamedArray>& inputs, const std::vector<NamedArray>& serving_outputs);
  ShadowStats stats() const;
  const std::shared_ptr<const ServedModel>& candidate() const { return candidate_; }

 private:
  void run();
  struct Sample {
    std::vector<NamedArray> inputs, outputs;
  };
  std::shared_ptr<const ServedModel> candidate_;
  std::string abort_on_model_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Sample> queue_;
  ShadowStats stats_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace wisp::agent
