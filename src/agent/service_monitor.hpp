// What the serving model does in service: a latency histogram (fixed buckets, for
// telemetry), the latencies of the last 256 requests (p50/p99), errors and NaN/Inf
// outputs. Thread-safe: the inference worker records, the agent loop reads.
//
// The agent uses it for the in-service health window after a switch (docs/agent.md):
// any NaN/Inf output, an error rate over 50% (>= 4 requests), or a p50 over
// max_latency_ratio x the previous model's p50 (>= 8 requests) rolls back.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "deploy/json.hpp"

namespace wisp::agent {

inline constexpr std::array<double, 14> kLatencyBucketsMs = {0.1, 0.25, 0.5, 1,   2.5, 5,    10,
                                                              25,  50,   100, 250, 500, 1000, 2500};

class ServiceMonitor {
 public:
  void record(double ms, bool ok, bool non_finite);
  void reset();  // a new model starts serving

  struct Snapshot {
    int64_t requests = 0, errors = 0, non_finite = 0;
    double p50 = 0, p99 = 0;
    std::vector<int64_t> bucket_counts;  // kLatencyBucketsMs.size() + 1 (last: above)
    std::string last_error;
  };
  Snapshot snapshot() const;
  // The latency histogram since the last call, as a telemetry record's data; then clears
  // the histogram (not the window counters).
  deploy::Json take_histogram(const std::string& model_label);
  void set_last_error(const std::string& e);

 private:
  mutable std::mutex mutex_;
  int64_t requests_ = 0, errors_ = 0, non_finite_ = 0;
  std::deque<double> recent_;
  std::vector<int64_t> buckets_ = std::vector<int64_t>(kLatencyBucketsMs.size() + 1, 0);
  int64_t hist_count_ = 0;
  std::string last_error_;
};

double percentile(std::vector<double> v, double q);

}  // namespace wisp::agent
