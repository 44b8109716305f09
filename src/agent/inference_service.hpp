// The local API's request queue: bounded, failing fast, with per-request deadlines.
//
// Callers (HTTP handler threads) enqueue a request and wait for its result until its
// deadline. One worker thread runs requests in order through `Backend` (which owns the
// model sessions: a Session serves one thread at a time). A full queue answers 503 at
// once instead of piling up latency; a request whose deadline passes answers 504 at the
// deadline, and the worker skips it if it has not started (the caller has gone). A request
// never waits longer than its deadline: the agent never hangs a caller.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/served_model.hpp"

namespace wisp::agent {

struct InferResult {
  int status = 200;  // 200, 400 (bad input), 500 (model failed), 503 (full / no model), 504 (deadline)
  std::string error;
  std::vector<NamedArray> outputs;
  std::string model;  // label of the model that answered
  double latency_ms = 0;
};

// Thrown by a backend when nothing can serve (no model): answered 503 with the message.
struct NoModelError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class InferenceService {
 public:
  // Runs inputs; returns outputs and sets `model_label`. Throws wisp::Error
  // (kInvalidArgument/kUnsupported -> 400, else 500) or NoModelError (503).
  using Backend = std::function<std::vector<NamedArray>(const std::vector<NamedArray>&, std::string& model_label)>;

  InferenceService(size_t queue_depth, Backend backend);
  ~InferenceService();
  InferenceService(const InferenceService&) = delete;
  InferenceService& operator=(const InferenceService&) = delete;

  InferResult infer(std::vector<NamedArray> inputs, std::chrono::milliseconds deadline);
  size_t queued() const;
  int64_t rejected_full() const { return rejected_full_; }
  int64_t timed_out() const { return timed_out_; }

 private:
  struct Job;
  void worker();
  size_t depth_;
  Backend backend_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stop_ = false;
  std::atomic<int64_t> rejected_full_{0}, timed_out_{0};
  std::thread thread_;
};

}  // namespace wisp::agent
