#include "agent/shadow_runner.hpp"

#include <cmath>

namespace wisp::agent {

void compare_outputs(const std::vector<NamedArray>& a, const std::vector<NamedArray>& b, bool& top1_same,
                     double& mean_abs_diff) {
  top1_same = false;
  mean_abs_diff = INFINITY;
  if (a.empty() || b.empty() || a[0].data.size() != b[0].data.size() || a[0].data.empty()) return;
  top1_same = argmax(a[0].data) == argmax(b[0].data);
  double s = 0;
  for (size_t i = 0; i < a[0].data.size(); ++i) s += std::fabs(static_cast<double>(a[0].data[i]) - b[0].data[i]);
  mean_abs_diff = s / static_cast<double>(a[0].data.size());
}

ShadowRunner::ShadowRunner(std::shared_ptr<const ServedModel> candidate, std::string abort_on_model)
    : candidate_(std::move(candidate)), abort_on_model_(std::move(abort_on_model)), thread_([this] { run(); }) {}

ShadowRunner::~ShadowRunner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ShadowRunner::offer(const std::vector<NamedArray>& inputs, const std::vector<NamedArray>& outputs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= 8) {
      ++stats_.dropped;
      return;
    }
    queue_.push_back({inputs, outputs});
  }
  cv_.notify_one();
}

ShadowStats ShadowRunner::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void ShadowRunner::run() {
  std::unique_ptr<ModelRunner> runner;
  for (;;) {
    Sample s;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      s = std::move(queue_.front());
      queue_.pop_front();
    }
    bool same = false;
    double mad = 0;
    bool ok = true;
    try {
      if (!runner) runner = std::make_unique<ModelRunner>(candidate_, abort_on_model_);
      compare_outputs(s.outputs, runner->run(s.inputs), same, mad);
    } catch (const std::exception&) {
      ok = false;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ok || !std::isfinite(mad)) {
      ++stats_.errors;
      ++stats_.samples;  // a failed or incomparable sample counts as a disagreement
      continue;
    }
    ++stats_.samples;
    if (same) ++stats_.top1_agree;
    stats_.sum_mean_abs_diff += mad;
  }
}

}  // namespace wisp::agent
