#include "agent/service_monitor.hpp"

#include <algorithm>

namespace wisp::agent {

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return v[i];
}

void ServiceMonitor::record(double ms, bool ok, bool non_finite) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_;
  if (!ok) ++errors_;
  if (non_finite) ++non_finite_;
  if (ok) {
    recent_.push_back(ms);
    if (recent_.size() > 256) recent_.pop_front();
    size_t b = 0;
    while (b < kLatencyBucketsMs.size() && ms > kLatencyBucketsMs[b]) ++b;
    ++buckets_[b];
    ++hist_count_;
  }
}

void ServiceMonitor::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_ = errors_ = non_finite_ = 0;
  recent_.clear();
}

void ServiceMonitor::set_last_error(const std::string& e) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_error_ = e;
}

ServiceMonitor::Snapshot ServiceMonitor::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  Snapshot s;
  s.requests = requests_;
  s.errors = errors_;
  s.non_finite = non_finite_;
  const std::vector<double> v(recent_.begin(), recent_.end());
  s.p50 = percentile(v, 0.5);
  s.p99 = percentile(v, 0.99);
  s.bucket_counts = buckets_;
  s.last_error = last_error_;
  return s;
}

deploy::Json ServiceMonitor::take_histogram(const std::string& model_label) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::vector<double> v(recent_.begin(), recent_.end());
  deploy::Json j{{"model", model_label},
                 {"buckets_ms", std::vector<double>(kLatencyBucketsMs.begin(), kLatencyBucketsMs.end())},
                 {"counts", buckets_},
                 {"count", hist_count_},
                 {"p50_ms", percentile(v, 0.5)},
                 {"p99_ms", percentile(v, 0.99)}};
  std::fill(buckets_.begin(), buckets_.end(), 0);
  hist_count_ = 0;
  return j;
}

}  // namespace wisp::agent
