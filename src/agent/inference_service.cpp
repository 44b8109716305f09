#include "agent/inference_service.hpp"

#include "wisp/error.hpp"

namespace wisp::agent {

using Clock = std::chrono::steady_clock;

struct InferenceService::Job {
  std::vector<NamedArray> inputs;
  Clock::time_point deadline;
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  bool abandoned = false;
  InferResult result;
};

InferenceService::InferenceService(size_t queue_depth, Backend backend)
    : depth_(queue_depth), backend_(std::move(backend)), thread_([this] { worker(); }) {}

InferenceService::~InferenceService() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

size_t InferenceService::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

InferResult InferenceService::infer(std::vector<NamedArray> inputs, std::chrono::milliseconds deadline) {
  auto job = std::make_shared<Job>();
  job->inputs = std::move(inputs);
  job->deadline = Clock::now() + deadline;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= depth_) {
      ++rejected_full_;
      InferResult r;
      r.status = 503;
      r.error = "the inference queue is full (api.queue_depth " + std::to_string(depth_) + "): retry later";
      return r;
    }
    queue_.push_back(job);
  }
  cv_.notify_one();
  std::unique_lock<std::mutex> lock(job->mutex);
  if (!job->cv.wait_until(lock, job->deadline, [&] { return job->done; })) {
    job->abandoned = true;
    ++timed_out_;
    InferResult r;
    r.status = 504;
    r.error = "deadline of " + std::to_string(deadline.count()) + " ms passed before the inference finished";
    return r;
  }
  return job->result;
}

void InferenceService::worker() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_ && queue_.empty()) return;
      job = queue_.front();
      queue_.pop_front();
    }
    {
      std::lock_guard<std::mutex> lock(job->mutex);
      if (job->abandoned || Clock::now() >= job->deadline) continue;  // the caller has its 504
    }
    InferResult r;
    const auto t0 = Clock::now();
    try {
      r.outputs = backend_(job->inputs, r.model);
    } catch (const NoModelError& e) {
      r.status = 503;
      r.error = e.what();
    } catch (const Error& e) {
      r.status = (e.code() == ErrorCode::kInvalidArgument || e.code() == ErrorCode::kUnsupported) ? 400 : 500;
      r.error = e.what();
    } catch (const std::exception& e) {
      r.status = 500;
      r.error = e.what();
    }
    r.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    {
      std::lock_guard<std::mutex> lock(job->mutex);
      job->result = std::move(r);
      job->done = true;
    }
    job->cv.notify_one();
  }
}

}  // namespace wisp::agent
